/* tests/test_free_null.c: every destructor of a public header accepts NULL and does nothing,
 * as free() does (serd's test_free_null.c). A new _free or _close gets a line here. */
#include "kg/kg.h"
#include "kg/linkpred.h"
#include "fusion/fu.h"
#include "neural/nn.h"
#include "reasoner/rs.h"

#include <criterion/criterion.h>

Test(free_null, kg_free_accepts_null) { kg_free(NULL); }

Test(free_null, kg_arena_free_accepts_null) { kg_arena_free(NULL); }

Test(free_null, kg_buf_free_accepts_null)
{
    kg_buf_free(NULL);
    KgBuf empty = {0};
    kg_buf_free(&empty); // an unused buffer owns nothing
    cr_assert_null(empty.data);
    cr_assert_eq(empty.len, 0);
}

Test(free_null, kg_iter_free_accepts_null) { kg_iter_free(NULL); }

Test(free_null, kg_store_close_accepts_null) { kg_store_close(NULL); }

Test(free_null, kg_error_clear_accepts_null) { kg_error_clear(NULL); }

Test(free_null, kg_query_free_accepts_null) { kg_query_free(NULL); }

Test(free_null, kg_regex_free_accepts_null) { kg_regex_free(NULL); }

Test(free_null, kg_expr_free_accepts_null) { kg_expr_free(NULL); }

Test(free_null, rs_program_free_accepts_null) { rs_program_free(NULL); }

Test(free_null, rs_stats_free_accepts_null)
{
    rs_stats_free(NULL);
    RsStats empty = {0};
    rs_stats_free(&empty);
    cr_assert_null(empty.per_rule);
}

Test(free_null, kg_embedding_free_accepts_null) { kg_embedding_free(NULL); }

Test(free_null, kg_link_dataset_free_accepts_null) { kg_link_dataset_free(NULL); }
Test(free_null, kg_link_filter_free_accepts_null) { kg_link_filter_free(NULL); }
Test(free_null, fu_model_free_accepts_null) { fu_model_free(NULL); }
Test(free_null, nn_index_free_accepts_null) { nn_index_free(NULL); }
Test(free_null, fu_source_free_accepts_null) { fu_source_free(NULL); }

Test(free_null, nn_model_free_accepts_null) { nn_model_free(NULL); }

Test(free_null, nn_train_report_free_accepts_null)
{
    nn_train_report_free(NULL);
    NnTrainReport empty = {0};
    nn_train_report_free(&empty);
    cr_assert_null(empty.loss);
}
Test(free_null, rs_mined_free_accepts_null) { rs_mined_free(NULL); }
Test(free_null, rs_querier_free_accepts_null) { rs_querier_free(NULL); }
Test(free_null, rs_ranker_free_accepts_null) { rs_ranker_free(NULL); }
