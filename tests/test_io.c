/* test_io.c — model files (bit-exact round trip, malformed files rejected with positions),
 * CSV tables and atomic writes. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/util.h"

static uat_mlp *random_model(void) {
  const size_t sizes[7] = {3, 5, 4, 6, 2, 3, 2};
  const uat_activation act[6] = {UAT_ACT_SIGMOID,  UAT_ACT_TANH, UAT_ACT_RELU,
                                 UAT_ACT_SOFTPLUS, UAT_ACT_SIN,  UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(7, sizes, act);
  gsl_rng *r = uat_rng_alloc(2385);
  const uat_init_spec spec = {UAT_INIT_NORMAL, 0.0, 1.0, UAT_INIT_NORMAL, 0.0, 1e-3};
  uat_mlp_init(m, &spec, r);
  m->theta[0] = 1e-310;    /* subnormal */
  m->theta[1] = -0.0;      /* signed zero */
  m->theta[2] = 1.0 / 3.0; /* needs all 17 digits */
  m->theta[3] = 1.7976931348623157e308;
  gsl_rng_free(r);
  return m;
}

static void test_round_trip_bit_exact(void **state) {
  (void)state;
  uat_mlp *m = random_model();
  char path[] = "/tmp/uat_model_XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  uat_error err;
  assert_int_equal(uat_mlp_save(path, m, &err), 0);
  uat_mlp *back = NULL;
  assert_int_equal(uat_mlp_load(path, &back, &err), 0);
  assert_int_equal(back->n_layers, m->n_layers);
  assert_memory_equal(back->sizes, m->sizes, (m->n_layers + 1) * sizeof(size_t));
  assert_memory_equal(back->act, m->act, m->n_layers * sizeof(uat_activation));
  assert_memory_equal(back->theta, m->theta, m->n_params * sizeof(double));
  unlink(path);
  uat_mlp_free(back);
  uat_mlp_free(m);
}

static const char *good_head = "uat-model 1\nsizes 2 2 1\nactivations sigmoid identity\n";
static const char *nine = "params 9\n1\n2\n3\n4\n5\n6\n7\n8\n9\n";

/* Each malformed file and the position and words its error must carry. */
typedef struct {
  const char *text;
  const char *where;
  const char *what;
} bad_case;

static void expect_rejected(const bad_case *c) {
  const char *path = uat_test_file(0, c->text);
  uat_mlp *m = (uat_mlp *)&m; /* must be reset to NULL */
  uat_error err;
  assert_int_equal(uat_mlp_load(path, &m, &err), UAT_EFORMAT);
  assert_null(m);
  char where[128];
  snprintf(where, sizeof where, "%s:%s: expected", path, c->where);
  if (!uat_test_contains(err.msg, where) || !uat_test_contains(err.msg, c->what))
    print_error("message '%s' lacks '%s' or '%s'\n", err.msg, where, c->what);
  assert_true(uat_test_contains(err.msg, where));
  assert_true(uat_test_contains(err.msg, c->what));
  unlink(path);
}

static void test_malformed_models(void **state) {
  (void)state;
  char buf[5][512];
  snprintf(buf[0], sizeof buf[0], "%sparams 9\n1\n2\n3\n4\n5\n", good_head);
  snprintf(buf[1], sizeof buf[1], "%sparams 9\n1\n2\nx3\n4\n5\n6\n7\n8\n9\nend\n", good_head);
  snprintf(buf[2], sizeof buf[2], "%s%s", good_head, nine);
  snprintf(buf[3], sizeof buf[3], "%sparams 9\n1\n2\n3\nnan\n5\n6\n7\n8\n9\nend\n", good_head);
  snprintf(buf[4], sizeof buf[4], "%sparams 9\n1\n2\n3\n4\n5\n6\n7\n8\n9\nend\n# ok\nmore\n",
           good_head);
  const bad_case cases[] = {
      {"", "1:1", "'uat-model'"},
      {"uat-model 3\n", "1:11", "format version 1 or 2"},
      {"uat-model 2\n", "2:1", "'sizes' (file ends early)"},
      {"uat-model 2\nseed x\n", "2:6", "a seed"},
      {"uat-model 2\ntarget\n", "2:7", "a value"},
      {"uat-model 2\ncolour red\n", "2:1", "'sizes' or a provenance line"},
      {"uat-model 1\ntarget sin(x)\nsizes 1 1\n", "2:1", "'sizes'"},
      {"uat-model 2\nsizes 1 16777217\n", "2:9", "a layer width"},
      {"uat-model 1\nsize 2 1\n", "2:1", "'sizes'"},
      {"uat-model 1\nsizes 2\n", "2:8", "at least two layer widths"},
      {"uat-model 1\nsizes 2 0 1\n", "2:9", "layer width"},
      {"uat-model 1\nsizes 2 2 1\nactivations sigmoid swish\n", "3:21", "an activation"},
      {"uat-model 1\nsizes 2 2 1\nactivations sigmoid\n", "3:20", "one activation per layer"},
      {"uat-model 1\nsizes 2 2 1\nactivations sigmoid identity\nparams 8\n", "4:8",
       "parameter count 9"},
      {buf[0], "10:1", "parameter 6 of 9 (file ends early)"},
      {buf[1], "7:1", "a finite number"},
      {buf[2], "14:1", "'end'"},
      {buf[3], "8:1", "a finite number"},
      {"uat-model 1 extra\n", "1:13", "end of line"},
      {buf[4], "16:1", "nothing after 'end'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) expect_rejected(&cases[i]);
  uat_mlp *m;
  uat_error err;
  assert_int_equal(uat_mlp_load("/nonexistent/model.txt", &m, &err), UAT_EIO);
  assert_true(uat_test_contains(err.msg, "/nonexistent/model.txt"));
}

/* Provenance (format version 2) round-trips, with a target that has blanks; a model deeper
 * than 64 layers (1024 is the limit) loads; version 1 files still load, with no provenance. */
static void test_model_provenance(void **state) {
  (void)state;
  enum { L = 300 };
  size_t sizes[L + 1];
  uat_activation act[L];
  for (size_t l = 0; l <= L; l++) sizes[l] = l == 0 || l == L ? 1 : 2;
  for (size_t l = 0; l < L; l++) act[l] = l + 1 == L ? UAT_ACT_IDENTITY : UAT_ACT_TANH;
  uat_mlp *m = uat_mlp_alloc(L + 1, sizes, act);
  for (size_t i = 0; i < m->n_params; i++) m->theta[i] = 1.0 / (double)(i + 3);
  char target[] = "x^2 + sin(3*x)", domain[] = "x=-3.1415926535897931:3.1415926535897931",
       trainer[] = "lbfgs", made[] = "0.1.0 abc123";
  const uat_model_info info = {target, domain, trainer, made, 1, 42};
  const char *path = uat_test_file(4, "");
  uat_error err;
  assert_int_equal(uat_mlp_save_info(path, m, &info, &err), UAT_OK);
  uat_mlp *back = NULL;
  uat_model_info got;
  assert_int_equal(uat_mlp_load_info(path, &back, &got, &err), UAT_OK);
  assert_string_equal(got.target, target);
  assert_string_equal(got.domain, domain);
  assert_string_equal(got.trainer, trainer);
  assert_string_equal(got.uat, made);
  assert_int_equal(got.has_seed, 1);
  assert_int_equal(got.seed, 42);
  assert_int_equal(back->n_layers, L);
  assert_memory_equal(back->theta, m->theta, m->n_params * sizeof(double));
  uat_model_info_free(&got);
  assert_null(got.target);
  uat_mlp_free(back);
  /* a line break in a field would corrupt the file: refused */
  char bad[] = "sin(x)\nsizes 9";
  const uat_model_info worse = {bad, NULL, NULL, NULL, 0, 0};
  assert_int_equal(uat_mlp_save_info(path, m, &worse, &err), UAT_EINVAL);
  uat_mlp_free(m);
  const char *v1 = uat_test_file(5, "uat-model 1\nsizes 1 1\nactivations identity\nparams 2\n"
                                    "2\n0.5\nend\n");
  assert_int_equal(uat_mlp_load_info(v1, &back, &got, &err), UAT_OK);
  assert_null(got.target);
  assert_int_equal(got.has_seed, 0);
  uat_mlp_free(back);
}

static int count_temporaries(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

static void test_atomic_write(void **state) {
  (void)state;
  char dir[] = "/tmp/uat_atomic_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/out.csv", dir);
  const double data[4] = {1.0, 2.5, -3.0, 1e-300};
  const char *names[2] = {"a", "b"};
  uat_error err;
  assert_int_equal(uat_table_write(path, names, 2, 2, data, &err), 0);
  /* An aborted write leaves the earlier file as it was and no temporary behind. */
  uat_atomic_file af;
  assert_int_equal(uat_atomic_open(&af, path, &err), 0);
  fprintf(af.fp, "half a table\n");
  uat_atomic_abort(&af);
  uat_table *t = NULL;
  assert_int_equal(uat_table_read(path, &t, &err), 0);
  assert_int_equal(t->rows, 2);
  assert_memory_equal(t->data, data, sizeof data);
  assert_string_equal(t->header[1], "b");
  assert_int_equal(count_temporaries(dir, "out.csv"), 0);
  uat_table_free(t);
  char missing[160];
  snprintf(missing, sizeof missing, "%s/no/such/dir/x.csv", dir);
  assert_int_equal(uat_table_write(missing, names, 2, 2, data, &err), UAT_EIO);
  unlink(path);
  rmdir(dir);
}

/* A destination that is not a regular file is written in place, never replaced: a FIFO stays
 * a FIFO (and /dev/null stays a device). A symbolic link is kept and its target replaced. */
static void test_atomic_special_files(void **state) {
  (void)state;
  char dir[] = "/tmp/uat_special_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[128], target[128], link[128];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  const int rd = open(fifo, O_RDONLY | O_NONBLOCK);
  assert_true(rd >= 0);
  const double v[2] = {1.5, -2.0};
  uat_error err;
  assert_int_equal(uat_table_write(fifo, NULL, 1, 2, v, &err), 0);
  char buf[64] = {0};
  assert_true(read(rd, buf, sizeof buf - 1) > 0);
  assert_string_equal(buf, "1.5,-2\n");
  close(rd);
  struct stat sb;
  assert_int_equal(lstat(fifo, &sb), 0);
  assert_true(S_ISFIFO(sb.st_mode));

  snprintf(target, sizeof target, "%s/target.csv", dir);
  snprintf(link, sizeof link, "%s/link.csv", dir);
  assert_int_equal(uat_table_write(target, NULL, 1, 2, v, &err), 0);
  assert_int_equal(symlink(target, link), 0);
  const double w[2] = {3.0, 4.0};
  assert_int_equal(uat_table_write(link, NULL, 1, 2, w, &err), 0);
  assert_int_equal(lstat(link, &sb), 0);
  assert_true(S_ISLNK(sb.st_mode));
  uat_table *t = NULL;
  assert_int_equal(uat_table_read(target, &t, &err), 0);
  assert_true(t->data[0] == 3.0);
  assert_int_equal(stat(target, &sb), 0);
  assert_true((sb.st_mode & 0777) != 0600); /* the umask's mode, not mkstemp's */
  uat_table_free(t);
  /* a file that is replaced keeps its mode */
  assert_int_equal(chmod(target, 0600), 0);
  assert_int_equal(uat_table_write(target, NULL, 1, 2, v, &err), 0);
  assert_int_equal(stat(target, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  /* a link to nothing is refused, not silently replaced by a file */
  char dangling[160];
  snprintf(dangling, sizeof dangling, "%s/dangling.csv", dir);
  assert_int_equal(symlink("/nonexistent/uat/x.csv", dangling), 0);
  assert_int_equal(uat_table_write(dangling, NULL, 1, 2, v, &err), UAT_EIO);
  assert_true(uat_test_contains(err.msg, "symbolic link to a file that does not exist"));
  assert_int_equal(lstat(dangling, &sb), 0);
  assert_true(S_ISLNK(sb.st_mode));
  /* a failed write in place names the file */
  if (access("/dev/full", W_OK) == 0) {
    assert_int_equal(uat_table_write("/dev/full", NULL, 1, 2, v, &err), UAT_EIO);
    assert_true(uat_test_contains(err.msg, "/dev/full: cannot write"));
  }
  unlink(dangling);
  unlink(link);
  unlink(target);
  unlink(fifo);
  rmdir(dir);
}

static void test_csv_read(void **state) {
  (void)state;
  uat_table *t = NULL;
  uat_error err;
  const char *p = uat_test_file(1, "# comment\nx, \"y\"\n1, 2.5\n\n-3e-2,4\n");
  assert_int_equal(uat_table_read(p, &t, &err), 0);
  assert_int_equal(t->rows, 2);
  assert_int_equal(t->cols, 2);
  assert_string_equal(t->header[0], "x");
  assert_string_equal(t->header[1], "y");
  assert_true(t->data[2] == -3e-2 && t->data[3] == 4.0);
  uat_table_free(t);
  unlink(p);

  p = uat_test_file(2, "1,2\n3,4\n");
  assert_int_equal(uat_table_read(p, &t, &err), 0);
  assert_null(t->header);
  uat_table_free(t);
  unlink(p);

  const struct {
    const char *text, *where;
  } bad[] = {{"a,b\n1,2\n3,x4\n", ":3:3: expected a number, found 'x4'"},
             {"a,b\n1,1e400\n", ":2:3: expected a number, found '1e400'"}, /* not infinity */
             {"1,2\n3\n", ":2:1: expected 2 fields, found 1"},
             {"1,2\n3,4,5\n", ":2:5: expected 2 fields, found 3"},
             {"a,\"b\n", ":1:3: expected a closing '\"'"},
             {"a,b\n", ":2:1: expected at least one row of numbers"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    p = uat_test_file(3, bad[i].text);
    t = (uat_table *)&t;
    assert_int_equal(uat_table_read(p, &t, &err), UAT_EFORMAT);
    assert_null(t);
    if (!uat_test_contains(err.msg, bad[i].where)) print_error("got '%s'\n", err.msg);
    assert_true(uat_test_contains(err.msg, bad[i].where));
    unlink(p);
  }
}

/* SHA-256 against FIPS 180-2's test vectors: "abc", the empty string, and the 448-bit message
 * that makes the padding spill into a second block; a file read in pieces hashes the same. */
static void test_sha256_vectors(void **state) {
  (void)state;
  const struct {
    const char *text, *hex;
  } v[3] = {{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
            {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
            {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"}};
  for (int i = 0; i < 3; i++) {
    uat_sha256_ctx c;
    char hex[65];
    uat_sha256_init(&c);
    uat_sha256_update(&c, v[i].text, strlen(v[i].text));
    uat_sha256_final(&c, hex);
    assert_string_equal(hex, v[i].hex);
    const char *path = uat_test_file(3, v[i].text);
    uat_error err;
    assert_int_equal(uat_sha256_file(path, hex, &err), UAT_OK);
    assert_string_equal(hex, v[i].hex);
  }
  /* a million 'a' (FIPS 180-2, appendix B.3), fed in uneven pieces */
  uat_sha256_ctx c;
  uat_sha256_init(&c);
  char a[1001];
  memset(a, 'a', sizeof a);
  for (int k = 0; k < 1000; k++) uat_sha256_update(&c, a, k % 2 ? 999 : 1001);
  char hex[65];
  uat_sha256_final(&c, hex);
  assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  uat_error err;
  assert_int_equal(uat_sha256_file("/nonexistent/x", hex, &err), UAT_EIO);
}

/* The one number parser, linspace and enum names that every reader shares. */
static void test_parsers(void **state) {
  (void)state;
  double v;
  size_t n;
  assert_int_equal(uat_parse_double("2.5e-3", &v), UAT_OK);
  assert_true(v == 2.5e-3);
  assert_int_equal(uat_parse_double("1e-400", &v), UAT_OK); /* underflow is kept */
  assert_int_equal(uat_parse_double("1e400", &v), UAT_EFORMAT);
  assert_int_equal(uat_parse_double("12abc", &v), UAT_EFORMAT);
  assert_int_equal(uat_parse_double("", &v), UAT_EFORMAT);
  assert_int_equal(uat_parse_size("18446744073709551615", &n), UAT_OK);
  assert_true(n == (size_t)-1);
  assert_int_equal(uat_parse_size("18446744073709551616", &n), UAT_EFORMAT);
  assert_int_equal(uat_parse_size("-1", &n), UAT_EFORMAT);
  assert_int_equal(uat_parse_size("+1", &n), UAT_EFORMAT);
  double list[3];
  assert_int_equal(uat_parse_doubles("1,-2.5,3e1", list, 3), 3);
  assert_true(list[1] == -2.5 && list[2] == 30.0);
  assert_int_equal(uat_parse_doubles("1,2,3,4", list, 3), -1);
  assert_int_equal(uat_parse_doubles("1,,2", list, 3), -1);
  unsigned long a, b;
  assert_int_equal(uat_parse_seeds("3:7", &a, &b), UAT_OK);
  assert_true(a == 3 && b == 7);
  assert_int_equal(uat_parse_seeds("7:3", &a, &b), UAT_EFORMAT);
  assert_int_equal(uat_parse_bytes("2G", &n), UAT_OK);
  assert_true(n == (size_t)2 << 30);
  assert_int_equal(uat_parse_bytes("99999999999T", &n), UAT_EFORMAT);
  double x[5];
  uat_linspace(-1.0, 0.3, 5, x);
  assert_true(x[0] == -1.0 && x[4] == 0.3);
  uat_assert_close(x[2], -0.35, 1e-16, 0);
  const char *const names[2] = {"one", "two"};
  int k;
  assert_string_equal(uat_enum_name(names, 2, 1), "two");
  assert_string_equal(uat_enum_name(names, 2, 2), "unknown");
  assert_int_equal(uat_enum_parse(names, 2, "two", &k), UAT_OK);
  assert_int_equal(k, 1);
  assert_int_equal(uat_enum_parse(names, 2, "three", &k), UAT_ENOTFOUND);
  assert_true(strlen(uat_build_commit()) > 0 && strlen(uat_build_compiler()) > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_bit_exact),
      cmocka_unit_test(test_malformed_models),
      cmocka_unit_test(test_atomic_write),
      cmocka_unit_test(test_atomic_special_files),
      cmocka_unit_test(test_csv_read),
      cmocka_unit_test(test_sha256_vectors),
      cmocka_unit_test(test_model_provenance),
      cmocka_unit_test(test_parsers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
