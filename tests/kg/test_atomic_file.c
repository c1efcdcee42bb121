/* tests/kg/test_atomic_file.c: kg/atomic_file.c. A committed file replaces the old one whole;
 * an aborted or failed one leaves it as it was, with no temporary file left behind; the new
 * file gets the mode fopen would give it. */
#include "helpers.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/nous-atomic-XXXXXX";

static void make_dir(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(kg_atomic_file, .init = make_dir, .fini = remove_dir);

static char *path_of(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static char *read_text(const char *path)
{
    static char text[256];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s is missing", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* How many files the directory holds. */
static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

Test(kg_atomic_file, commit_replaces_the_file_whole)
{
    const char *path = path_of("out.nt");
    write_text(path, "old\n");
    KgAtomicFile af;
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_open(&af, path, &err), KG_OK, "%s", err.msg);
    fputs("new, part one\n", af.f);
    fflush(af.f);
    cr_assert_str_eq(read_text(path), "old\n", "the file changed before the commit");
    fputs("new, part two\n", af.f);
    cr_assert_eq(kg_atomic_file_commit(&af, &err), KG_OK, "%s", err.msg);
    cr_assert_str_eq(read_text(path), "new, part one\nnew, part two\n");
    cr_assert_eq(files_in_dir(), 1, "a temporary file was left");
}

Test(kg_atomic_file, abort_leaves_the_old_file_and_no_temporary_one)
{
    const char *path = path_of("rules.dl");
    write_text(path, "old\n");
    KgAtomicFile af;
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_open(&af, path, &err), KG_OK, "%s", err.msg);
    fputs("half of it", af.f);
    kg_atomic_file_abort(&af);
    cr_assert_str_eq(read_text(path), "old\n");
    cr_assert_eq(files_in_dir(), 1);
}

Test(kg_atomic_file, write_makes_a_new_file_with_the_umask_mode)
{
    const char *path = path_of("plot.svg");
    mode_t old_mask = umask(022);
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_write(path, "<svg/>", 6, &err), KG_OK, "%s", err.msg);
    umask(old_mask);
    cr_assert_str_eq(read_text(path), "<svg/>");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644, "mode %o", (unsigned)(st.st_mode & 0777));
}

Test(kg_atomic_file, a_directory_that_does_not_exist_is_an_io_error_naming_the_file)
{
    const char *path = path_of("missing/out.nt");
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_write(path, "x", 1, &err), KG_ERR_IO);
    cr_assert(strstr(err.msg, "cannot write"), "%s", err.msg);
    cr_assert_str_eq(err.file, path);
}

Test(kg_atomic_file, a_path_that_is_a_directory_is_refused_and_kept)
{
    const char *path = path_of("sub");
    cr_assert_eq(mkdir(path, 0755), 0);
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_write(path, "x", 1, &err), KG_ERR_IO);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(files_in_dir(), 1, "a temporary file was left");
}

Test(kg_atomic_file, a_symbolic_link_is_followed_and_the_file_keeps_its_mode)
{
    const char *target = path_of("target.nt");
    write_text(target, "old\n");
    cr_assert_eq(chmod(target, 0600), 0);
    char link[128];
    snprintf(link, sizeof link, "%s", path_of("link.nt"));
    cr_assert_eq(symlink("target.nt", link), 0);
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_write(link, "new\n", 4, &err), KG_OK, "%s", err.msg);
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the link was replaced by a file");
    cr_assert_str_eq(read_text(target), "new\n");
    cr_assert_eq(stat(target, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
    cr_assert_eq(files_in_dir(), 2, "a temporary file was left");
}

Test(kg_atomic_file, a_file_that_is_not_regular_is_written_directly)
{
    KgError err = {0};
    cr_assert_eq(kg_atomic_file_write("/dev/null", "x", 1, &err), KG_OK, "%s", err.msg);
    struct stat st;
    cr_assert_eq(stat("/dev/null", &st), 0);
    cr_assert(S_ISCHR(st.st_mode), "/dev/null was replaced");
}
