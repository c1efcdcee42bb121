/* reasoner/profiles.c: the built-in rule sets. They are the rule files reasoner/rules/NAME.dl
 * (RDFS, OWL 2 RL), readable and editable there, compiled into the binary by
 * scripts/embed-rules.sh so that `nous reason --profile NAME` works from any directory. */
#include "internal.h"

#include <string.h>

#include "rs_profiles.inc"

const char *rs_profile_text(const char *name, size_t *len)
{
    for (size_t i = 0; profile_table[i].name; i++)
        if (strcmp(profile_table[i].name, name) == 0) {
            *len = strlen(profile_table[i].text);
            return profile_table[i].text;
        }
    return NULL;
}

const char *const *rs_profile_names(void)
{
    static const char *names[sizeof profile_table / sizeof profile_table[0]];
    for (size_t i = 0; profile_table[i].name; i++) names[i] = profile_table[i].name;
    return names;
}
