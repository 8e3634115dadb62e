/* uat/expr.h — symbolic expressions: parse, evaluate (compiled), differentiate, simplify,
 * print as text and LaTeX.
 *
 * Grammar (docs/symbolic.md):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-' unary | power
 *   power   := primary ('^' unary)?          right-associative; -x^2 = -(x^2)
 *   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 * Names are letters, digits and '_' starting with a letter or '_'; `pi` and `e` are the
 * constants. Functions: sin cos tan exp log sqrt abs tanh sinh cosh atan sigmoid relu step
 * sign (one argument) and min max (two). */
#ifndef UAT_EXPR_H
#define UAT_EXPR_H

#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Node kinds. */
typedef enum {
  UAT_EXPR_NUM = 0, /**< a number */
  UAT_EXPR_CONST,   /**< pi or e (value in the node, name kept for printing) */
  UAT_EXPR_VAR,     /**< a named variable */
  UAT_EXPR_ADD,
  UAT_EXPR_SUB,
  UAT_EXPR_MUL,
  UAT_EXPR_DIV,
  UAT_EXPR_POW,
  UAT_EXPR_NEG,
  UAT_EXPR_SIN, /* functions of one argument, in the order of the documented list */
  UAT_EXPR_COS,
  UAT_EXPR_TAN,
  UAT_EXPR_EXP,
  UAT_EXPR_LOG,
  UAT_EXPR_SQRT,
  UAT_EXPR_ABS,
  UAT_EXPR_TANH,
  UAT_EXPR_SINH,
  UAT_EXPR_COSH,
  UAT_EXPR_ATAN,
  UAT_EXPR_SIGMOID,
  UAT_EXPR_RELU,
  UAT_EXPR_STEP,
  UAT_EXPR_SIGN,
  UAT_EXPR_MIN, /* functions of two arguments */
  UAT_EXPR_MAX,
  UAT_EXPR_COUNT
} uat_expr_op;

/** An expression tree. Every node owns its children. */
typedef struct uat_expr {
  uat_expr_op op;
  double value;       /**< NUM and CONST */
  char *name;         /**< VAR and CONST */
  struct uat_expr *a; /**< first operand */
  struct uat_expr *b; /**< second operand (binary operators, min, max) */
  int col;            /**< 1-based column in the parsed text (0 for built nodes) */
} uat_expr;

/** Longest text and deepest nesting the parser accepts (hostile input cannot exhaust the
 *  stack), and the largest tree any operation builds. */
#define UAT_EXPR_MAX_LENGTH 65536
#define UAT_EXPR_MAX_DEPTH 256
#define UAT_EXPR_MAX_NODES 1000000

/** Parse text. Errors: UAT_EFORMAT with `1:COL: expected ...` in err (e.g. `1:7: expected ')'
 *  after argument of sin`). On error *out is NULL. */
int uat_expr_parse(const char *text, uat_expr **out, uat_error *err);

/** Builders, for trees made in code (symbol extraction, generated targets). Each takes
 *  ownership of its operands and frees them when it fails, so a failed inner build (NULL)
 *  makes the whole nested expression NULL without leaks:
 *
 *    uat_expr *e = uat_expr_binary(UAT_EXPR_ADD,
 *                                  uat_expr_unary(UAT_EXPR_SIN, uat_expr_variable("x")),
 *                                  uat_expr_number(0.5));      // sin(x) + 0.5
 *
 *  number: a finite value (NULL otherwise); variable: an identifier that is not a function or
 *  constant name; constant: "pi" or "e"; unary: UAT_EXPR_NEG or a function of one argument;
 *  binary: +, -, *, /, ^, min, max. A wrong operator for the builder gives NULL. */
uat_expr *uat_expr_number(double v);
uat_expr *uat_expr_variable(const char *name);
uat_expr *uat_expr_constant(const char *name);
uat_expr *uat_expr_unary(uat_expr_op op, uat_expr *a);
uat_expr *uat_expr_binary(uat_expr_op op, uat_expr *a, uat_expr *b);

/** Free a tree; NULL is accepted. */
void uat_expr_free(uat_expr *e);

/** A deep copy (NULL on out of memory). */
uat_expr *uat_expr_copy(const uat_expr *e);

/** Structural equality (numbers compared exactly). */
int uat_expr_equal(const uat_expr *a, const uat_expr *b);

/** 1 if variable name occurs in e. */
int uat_expr_depends(const uat_expr *e, const char *name);

/** Number of nodes. */
size_t uat_expr_size(const uat_expr *e);

/** d e / d var, simplified. Non-differentiable points follow documented conventions:
 *  abs'(0) = sign(0) = 0, relu'(0) = step(0) = 0, step' = sign' = 0, and min/max follow their
 *  second argument at a tie. NULL on out of memory or a tree above UAT_EXPR_MAX_NODES. */
uat_expr *uat_expr_diff(const uat_expr *e, const char *var);

/** A simplified copy: constant folding (when the result is finite), neutral and absorbing
 *  elements (x+0, x*1, x*0, x^1, x^0, --x), and collecting equal terms and factors
 *  (x + x = 2*x, 3*x - x = 2*x, x*x = x^2, x^a * x^b = x^(a+b), x - x = 0, x/x = 1). */
uat_expr *uat_expr_simplify(const uat_expr *e);

/** Print as plain text that parses back to an expression evaluating identically (numbers with
 *  the fewest digits that read back exactly). Writes at most len bytes including the final
 *  NUL and returns the length of the full text (as snprintf). */
size_t uat_expr_print(const uat_expr *e, char *buf, size_t len);

/** Print as LaTeX (Greek letter names become \alpha, ...). Same return convention. */
size_t uat_expr_latex(const uat_expr *e, char *buf, size_t len);

/** Name of an operator ("+", "sin", ...). */
const char *uat_expr_op_name(uat_expr_op op);

/** A compiled expression: a flat stack program over numbered variable slots. */
typedef struct uat_expr_program uat_expr_program;

/** Compile e with its variables bound to slots: variable names[i] reads values[i] at
 *  evaluation. A variable not in names is an error: UAT_ENOTFOUND with `1:COL: unknown
 *  variable 'z'`. */
int uat_expr_compile(const uat_expr *e, size_t n_names, const char *const *names,
                     uat_expr_program **out, uat_error *err);

void uat_expr_program_free(uat_expr_program *p);

/** Evaluate at one point (values indexed like the names given to compile). */
double uat_expr_program_eval(const uat_expr_program *p, const double *values);

/** Evaluate at n points: values is n x stride (row-major, slot i of point k at
 *  values[k*stride + i]); results into out[k]. */
void uat_expr_program_eval_many(const uat_expr_program *p, size_t n, const double *values,
                                size_t stride, double *out);

/** The distinct variable names of e in order of first appearance (left to right). Writes at
 *  most max pointers (into e's own strings) and returns the total count (NULL and 0 ask for the
 *  count alone). */
size_t uat_expr_variables(const uat_expr *e, const char **names, size_t max);

#ifdef __cplusplus
}
#endif
#endif
