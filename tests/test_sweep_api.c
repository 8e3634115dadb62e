/* test_sweep_api.c — the sweep engine through its API (uat/sweep.h): the plan's order, resume
 * from every prefix of runs.csv, merging shares run elsewhere, and the results folder. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "uat/sweep.h"

static const char *const experiment_text =
    "[experiment]\nname = api\ndescription = sweep API test\n"
    "[target s]\nspec = sin(x)\ndomain = x=-pi:pi\ntrain = 24\n"
    "[target c]\nspec = cos(x)\ntrain = 24\n"
    "[sweep]\nwidths = 2, 3\ntrainers = lm, adam\nseeds = 4:5\n"
    "[train]\nmax_iter = 6\ntest = 51\n";

static char tmp_root[256];

static const char *folder(const char *name) {
  static char path[8][512];
  static int slot = 0;
  slot = (slot + 1) % 8;
  snprintf(path[slot], sizeof path[slot], "%s/%s", tmp_root, name);
  return path[slot];
}

/* runs.csv without its last column (seconds, the only thing that may differ). */
static char *rows_without_seconds(const char *dir) {
  char path[600];
  snprintf(path, sizeof path, "%s/runs.csv", dir);
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  char *out = calloc(1, 1 << 16), line[4096];
  while (fgets(line, sizeof line, fp)) {
    char *comma = strrchr(line, ',');
    if (comma) *comma = '\0';
    strcat(out, line);
    strcat(out, "\n");
  }
  fclose(fp);
  return out;
}

static void load(uat_experiment *e, const char **ini) {
  *ini = uat_test_file(0, experiment_text);
  uat_error err;
  assert_int_equal(uat_experiment_load(*ini, e, &err), UAT_OK);
}

/* The reference: the whole sweep in one go. */
static char *full_sweep(const uat_experiment *e, const char *ini, const char *dir) {
  uat_sweep *s = NULL;
  uat_error err;
  assert_int_equal(uat_sweep_open(e, ini, dir, 0, &s, &err), UAT_OK);
  assert_int_equal(uat_sweep_execute(s, NULL, &err), UAT_OK);
  assert_int_equal(uat_sweep_done(s), uat_sweep_runs(s));
  uat_sweep_free(s);
  return rows_without_seconds(dir);
}

/* Seeds vary fastest, then widths, trainers, activations, depths, targets; a cell is the seeds
 * of one width; a group one (target, depth, activation, trainer). */
static void test_plan_order(void **state) {
  (void)state;
  static uat_experiment e;
  const char *ini;
  load(&e, &ini);
  uat_sweep *s = NULL;
  uat_error err;
  assert_int_equal(uat_sweep_open(&e, ini, folder("plan"), 0, &s, &err), UAT_OK);
  assert_int_equal(uat_sweep_runs(s), 16);
  assert_int_equal(uat_sweep_cells(s), 8);
  assert_int_equal(uat_sweep_groups(s), 4);
  const char *expect[16] = {"0,s,2,1,tanh,lm,4",    "1,s,2,1,tanh,lm,5",    "2,s,3,1,tanh,lm,4",
                            "3,s,3,1,tanh,lm,5",    "4,s,2,1,tanh,adam,4",  "5,s,2,1,tanh,adam,5",
                            "6,s,3,1,tanh,adam,4",  "7,s,3,1,tanh,adam,5",  "8,c,2,1,tanh,lm,4",
                            "9,c,2,1,tanh,lm,5",    "10,c,3,1,tanh,lm,4",   "11,c,3,1,tanh,lm,5",
                            "12,c,2,1,tanh,adam,4", "13,c,2,1,tanh,adam,5", "14,c,3,1,tanh,adam,4",
                            "15,c,3,1,tanh,adam,5"};
  for (size_t i = 0; i < 16; i++) {
    char id[128];
    uat_sweep_run_id(s, i, id, sizeof id);
    assert_string_equal(id, expect[i]);
  }
  char name[128];
  uat_sweep_group_name(s, 3, name, sizeof name);
  assert_string_equal(name, "c_d1_tanh_adam");
  size_t idx[2];
  assert_int_equal(uat_sweep_pending(s, 5, idx), 2);
  assert_int_equal(idx[0], 10);
  assert_int_equal(idx[1], 11);
  /* a run, then its record: the cell has one pending seed left */
  uat_sweep_row row;
  assert_int_equal(uat_sweep_run_one(s, 10, &row), UAT_OK);
  assert_string_equal(row.status, "ok");
  assert_int_equal(uat_sweep_record(s, 10, &row, &err), UAT_OK);
  assert_int_equal(uat_sweep_pending(s, 5, idx), 1);
  assert_int_equal(idx[0], 11);
  assert_int_equal(uat_sweep_record(s, 16, &row, &err), UAT_EINVAL);
  /* the schedule: longest predicted first — lm on width 3 before lm on width 2 (the model's
   * units are parameters^2 x points x iterations for lm: 10^2 against 7^2), lm before adam (one
   * parameter factor less) — and a cell whose runs are all done is not scheduled */
  size_t cells[8];
  const size_t nc = uat_sweep_schedule(s, cells);
  assert_int_equal(nc, 8);
  char id[128];
  uat_sweep_run_id(s, cells[0] * 2, id, sizeof id);
  assert_true(uat_test_contains(id, ",3,1,tanh,lm,"));
  assert_true(uat_sweep_cost(s, 1) > uat_sweep_cost(s, 0)); /* lm: width 3 over width 2 */
  assert_true(uat_sweep_cost(s, 0) > uat_sweep_cost(s, 2)); /* width 2: lm over adam */
  assert_int_equal(uat_sweep_record(s, 11, &row, &err), UAT_OK);
  assert_true(uat_sweep_cost(s, 5) == 0.0);
  assert_int_equal(uat_sweep_schedule(s, cells), 7);
  uat_sweep_free(s);
  /* the folder exists now: a second start without resume is refused, with the path */
  assert_int_equal(uat_sweep_open(&e, ini, folder("plan"), 0, &s, &err), UAT_EINVAL);
  assert_true(uat_test_contains(err.msg, "--resume"));
  assert_null(s);
}

/* A sweep stopped after any number of recorded runs and resumed ends with the same runs.csv
 * (but the seconds) as one never stopped. */
static void test_resume_from_every_prefix(void **state) {
  (void)state;
  static uat_experiment e;
  const char *ini;
  load(&e, &ini);
  char *full = full_sweep(&e, ini, folder("full"));
  uat_sweep *ref = NULL;
  uat_error err;
  assert_int_equal(uat_sweep_open(&e, ini, folder("full"), 1, &ref, &err), UAT_OK);
  assert_int_equal(uat_sweep_done(ref), 16);
  for (size_t k = 0; k <= 16; k += 3) {
    char name[32];
    snprintf(name, sizeof name, "prefix%zu", k);
    uat_sweep *s = NULL;
    assert_int_equal(uat_sweep_open(&e, ini, folder(name), 0, &s, &err), UAT_OK);
    for (size_t i = 0; i < k; i++)
      assert_int_equal(uat_sweep_record(s, i, uat_sweep_row_get(ref, i), &err), UAT_OK);
    uat_sweep_free(s);
    assert_int_equal(uat_sweep_open(&e, ini, folder(name), 1, &s, &err), UAT_OK);
    assert_int_equal(uat_sweep_done(s), k);
    assert_int_equal(uat_sweep_execute(s, NULL, &err), UAT_OK);
    uat_sweep_free(s);
    char *rows = rows_without_seconds(folder(name));
    assert_string_equal(rows, full);
    free(rows);
  }
  uat_sweep_free(ref);
  free(full);
}

/* Two shares run in separate folders (as two MPI ranks or machines would) merge into the same
 * runs.csv as the whole sweep; a runs.csv of another experiment is refused with its line. */
static void test_merge_shares(void **state) {
  (void)state;
  static uat_experiment e;
  const char *ini;
  load(&e, &ini);
  char *full = full_sweep(&e, ini, folder("whole"));
  uat_error err;
  for (int part = 0; part < 2; part++) {
    uat_sweep *s = NULL;
    assert_int_equal(uat_sweep_open(&e, ini, folder(part ? "share1" : "share0"), 0, &s, &err),
                     UAT_OK);
    size_t idx[2];
    uat_sweep_row rows[2];
    for (size_t c = (size_t)part; c < uat_sweep_cells(s); c += 2) {
      const size_t k = uat_sweep_pending(s, c, idx);
      assert_int_equal(uat_sweep_run_cell(s, idx, k, rows), UAT_OK);
      for (size_t j = 0; j < k; j++)
        assert_int_equal(uat_sweep_record(s, idx[j], &rows[j], &err), UAT_OK);
    }
    assert_int_equal(uat_sweep_done(s), 8);
    uat_sweep_free(s);
  }
  uat_sweep *m = NULL;
  assert_int_equal(uat_sweep_open(&e, ini, folder("merged"), 0, &m, &err), UAT_OK);
  char path[600];
  for (int part = 0; part < 2; part++) {
    snprintf(path, sizeof path, "%s/runs.csv", folder(part ? "share1" : "share0"));
    assert_int_equal(uat_sweep_merge(m, path, &err), UAT_OK);
  }
  assert_int_equal(uat_sweep_done(m), 16);
  char *rows = rows_without_seconds(folder("merged"));
  assert_string_equal(rows, full);
  free(rows);
  /* a row that names another run is refused, with file:line:column */
  const char *bad =
      uat_test_file(1, "run,target,width,depth,activation,trainer,seed,params,"
                       "status,stop,iterations,evaluations,train_rmse,test_rmse,"
                       "test_max,l2_rel,linf,linf_rel,deriv_l2_rel,rollout_error,"
                       "rollout_drift,accuracy,margin,seconds\n"
                       "0,s,2,1,tanh,lm,9,7,ok,iterations,1,1,1,1,1,1,1,1,1,1,1,nan,nan,1\n");
  assert_int_equal(uat_sweep_merge(m, bad, &err), UAT_EFORMAT);
  assert_true(uat_test_contains(err.msg, ":2:1: expected run '0,s,2,1,tanh,lm,4'"));
  const char *badnum = uat_test_file(2, "run,target,width,depth,activation,trainer,seed,params,"
                                        "status,stop,iterations,evaluations,train_rmse,test_rmse,"
                                        "test_max,l2_rel,linf,linf_rel,deriv_l2_rel,rollout_error,"
                                        "rollout_drift,accuracy,margin,seconds\n"
                                        "0,s,2,1,tanh,lm,4,7,ok,iterations,1,1,1,1e999,1,1,1,1,1,1,"
                                        "1,nan,nan,1\n");
  assert_int_equal(uat_sweep_merge(m, badnum, &err), UAT_EFORMAT);
  assert_true(uat_test_contains(err.msg, ":2:"));
  assert_true(uat_test_contains(err.msg, "expected test_rmse"));
  /* the results folder */
  uat_error warn;
  const uat_sweep_provenance prov = {"uat sweep api.ini", 1.0, 0};
  assert_int_equal(uat_sweep_finish(m, &prov, &warn, &err), UAT_OK);
  const char *files[4] = {"summary.md", "summary.tex", "scaling.csv", "meta.json"};
  for (int f = 0; f < 4; f++) {
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", folder("merged"), files[f]);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
  }
  uat_sweep_free(m);
  free(full);
}

static int setup(void **state) {
  (void)state;
  snprintf(tmp_root, sizeof tmp_root, "/tmp/uat_sweep_api_XXXXXX");
  return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plan_order),
      cmocka_unit_test(test_resume_from_every_prefix),
      cmocka_unit_test(test_merge_shares),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
