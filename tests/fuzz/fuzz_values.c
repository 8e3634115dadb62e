/* fuzz_values.c — libFuzzer target for the command line's value parsers and what they size:
 * counts, seed ranges, number lists, layer lists (checked against uat/limits.h before a network
 * is allocated) and domains. Run with a small -rss_limit_mb: a number that slipped past a check
 * would allocate a huge network and fail the run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uat/limits.h"
#include "uat/mlp.h"
#include "uat/ode.h"
#include "uat/target.h"
#include "uat/util.h"

/* A layer list "1,16,1" to a network, the way uat fit reads --layers. */
static void layers(const char *s) {
  size_t sizes[64], n = 0;
  const char *p = s;
  while (n < 64) {
    char tok[32];
    const size_t len = strcspn(p, ",");
    if (len == 0 || len >= sizeof tok) return;
    memcpy(tok, p, len);
    tok[len] = '\0';
    if (uat_parse_size(tok, &sizes[n]) != 0 || sizes[n] == 0 || sizes[n] > UAT_MAX_WIDTH) return;
    n++;
    if (p[len] == '\0') break;
    p += len + 1;
  }
  if (n < 2 || n > 8) return;
  uat_activation act[8];
  for (size_t l = 0; l + 1 < n; l++) act[l] = UAT_ACT_TANH;
  /* within the limits, but a fuzzer must not allocate gigabytes: 2^20 parameters at most */
  const size_t P = uat_mlp_param_count(n, sizes);
  if (P == 0 || P > ((size_t)1 << 20)) return;
  uat_mlp *m = uat_mlp_alloc(n, sizes, act);
  if (m == NULL || m->n_params != P) abort();
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 4);
  uat_mlp_workspace_free(w);
  uat_mlp_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size > 256) return 0;
  char s[257];
  memcpy(s, data + 1, size - 1);
  s[size - 1] = '\0';
  size_t v;
  unsigned long a, b;
  double d[16];
  switch (data[0] % 6) {
  case 5: { /* --rhs systems: equations separated by ';' */
    const char *eq[4];
    size_t n = 0;
    for (char *p = s; n < 4;) {
      eq[n++] = p;
      char *semi = strchr(p, ';');
      if (semi == NULL) break;
      *semi = '\0';
      p = semi + 1;
    }
    uat_ode_expr_system *es = NULL;
    uat_error err;
    if (uat_ode_expr_system_alloc(n, eq, &es, &err) == UAT_OK) uat_ode_expr_system_free(es);
    break;
  }
  case 0: uat_parse_size(s, &v); break;
  case 1:
    if (uat_parse_seeds(s, &a, &b) == 0 && b < a) abort();
    break;
  case 2: uat_parse_doubles(s, d, 16); break;
  case 3: layers(s); break;
  default: {
    uat_target *t = NULL;
    uat_error err;
    if (uat_target_alloc("sin(x) + y", s, &t, &err) == UAT_OK) uat_target_free(t);
    break;
  }
  }
  return 0;
}
