/* expr_eval.c — compiling expressions to flat stack programs and running them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* A program is postfix: leaves push, operators pop their operands and push the result. */
typedef struct {
  uat_expr_op op;
  double value; /* NUM, CONST */
  size_t slot;  /* VAR */
} instr;

enum { STACK_MAX = 512 };

struct uat_expr_program {
  size_t n;
  instr *code;
};

static double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

double uat_expr_apply(uat_expr_op op, double a, double b) {
  switch (op) {
  case UAT_EXPR_ADD: return a + b;
  case UAT_EXPR_SUB: return a - b;
  case UAT_EXPR_MUL: return a * b;
  case UAT_EXPR_DIV: return a / b;
  case UAT_EXPR_POW: return pow(a, b);
  case UAT_EXPR_NEG: return -a;
  case UAT_EXPR_SIN: return sin(a);
  case UAT_EXPR_COS: return cos(a);
  case UAT_EXPR_TAN: return tan(a);
  case UAT_EXPR_EXP: return exp(a);
  case UAT_EXPR_LOG: return log(a);
  case UAT_EXPR_SQRT: return sqrt(a);
  case UAT_EXPR_ABS: return fabs(a);
  case UAT_EXPR_TANH: return tanh(a);
  case UAT_EXPR_SINH: return sinh(a);
  case UAT_EXPR_COSH: return cosh(a);
  case UAT_EXPR_ATAN: return atan(a);
  case UAT_EXPR_SIGMOID: return sigmoid(a);
  case UAT_EXPR_RELU: return a > 0 ? a : 0.0;
  case UAT_EXPR_STEP: return a > 0 ? 1.0 : 0.0;
  case UAT_EXPR_SIGN: return a > 0 ? 1.0 : a < 0 ? -1.0 : 0.0;
  case UAT_EXPR_MIN: return a < b ? a : b;
  case UAT_EXPR_MAX: return a > b ? a : b;
  default: return NAN;
  }
}

/* Emit e's code at *n; returns the stack depth it needs, or 0 on an unknown variable. */
static size_t emit(const uat_expr *e, size_t n_names, const char *const *names, instr *code,
                   size_t *n, const uat_expr **unknown) {
  size_t da = 0, db = 0;
  if (e->a && (da = emit(e->a, n_names, names, code, n, unknown)) == 0) return 0;
  if (e->b && (db = emit(e->b, n_names, names, code, n, unknown)) == 0) return 0;
  instr *in = &code[(*n)++];
  in->op = e->op;
  in->value = e->value;
  in->slot = 0;
  if (e->op == UAT_EXPR_VAR) {
    size_t i = 0;
    while (i < n_names && strcmp(names[i], e->name) != 0) i++;
    if (i == n_names) {
      *unknown = e;
      return 0;
    }
    in->slot = i;
  }
  if (e->op == UAT_EXPR_CONST) in->op = UAT_EXPR_NUM;
  if (e->a == NULL) return 1;
  return e->b == NULL ? da : (da > db + 1 ? da : db + 1);
}

int uat_expr_compile(const uat_expr *e, size_t n_names, const char *const *names,
                     uat_expr_program **out, uat_error *err) {
  *out = NULL;
  const size_t size = uat_expr_size(e);
  uat_expr_program *p = calloc(1, sizeof *p);
  instr *code = malloc(size * sizeof *code);
  if (p == NULL || code == NULL) {
    free(p);
    free(code);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  const uat_expr *unknown = NULL;
  const size_t depth = emit(e, n_names, names, code, &p->n, &unknown);
  if (depth == 0 || depth > STACK_MAX) {
    free(p);
    free(code);
    if (unknown)
      return uat_error_set(err, UAT_ENOTFOUND, "1:%d: unknown variable '%s'",
                           unknown->col > 0 ? unknown->col : 1, unknown->name);
    return uat_error_set(err, UAT_EINVAL, "expression needs more than %d stack slots", STACK_MAX);
  }
  p->code = code;
  *out = p;
  return UAT_OK;
}

void uat_expr_program_free(uat_expr_program *p) {
  if (p == NULL) return;
  free(p->code);
  free(p);
}

/* The compiler guarantees the stack discipline (every operator finds its operands, one value
 * is left), which the static analyzer cannot see. */
/* NOLINTBEGIN(clang-analyzer-core.uninitialized.Assign,clang-analyzer-core.CallAndMessage) */
double uat_expr_program_eval(const uat_expr_program *p, const double *values) {
  double stack[STACK_MAX];
  stack[0] = NAN; /* an empty program (never compiled from a tree) evaluates to NaN */
  size_t top = 0; /* number of values on the stack */
  for (size_t k = 0; k < p->n; k++) {
    const instr *in = &p->code[k];
    switch (in->op) {
    case UAT_EXPR_NUM: stack[top++] = in->value; break;
    case UAT_EXPR_VAR: stack[top++] = values[in->slot]; break;
    case UAT_EXPR_ADD:
      top--;
      stack[top - 1] += stack[top];
      break;
    case UAT_EXPR_SUB:
      top--;
      stack[top - 1] -= stack[top];
      break;
    case UAT_EXPR_MUL:
      top--;
      stack[top - 1] *= stack[top];
      break;
    case UAT_EXPR_DIV:
      top--;
      stack[top - 1] /= stack[top];
      break;
    case UAT_EXPR_NEG: stack[top - 1] = -stack[top - 1]; break;
    case UAT_EXPR_POW:
    case UAT_EXPR_MIN:
    case UAT_EXPR_MAX:
      top--;
      stack[top - 1] = uat_expr_apply(in->op, stack[top - 1], stack[top]);
      break;
    default: stack[top - 1] = uat_expr_apply(in->op, stack[top - 1], 0.0); break;
    }
  }
  return stack[0];
}
/* NOLINTEND(clang-analyzer-core.uninitialized.Assign,clang-analyzer-core.CallAndMessage) */

void uat_expr_program_eval_many(const uat_expr_program *p, size_t n, const double *values,
                                size_t stride, double *out) {
  for (size_t k = 0; k < n; k++) out[k] = uat_expr_program_eval(p, values + k * stride);
}
