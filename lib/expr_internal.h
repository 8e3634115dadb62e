/* expr_internal.h — what the expression modules share and users do not need. */
#ifndef UAT_EXPR_INTERNAL_H
#define UAT_EXPR_INTERNAL_H

#include "uat/expr.h"

typedef struct {
  const char *name;
  int arity; /* 0 for leaves */
  int prec;  /* printing precedence, higher binds tighter */
} uat_expr_opinfo;

extern const uat_expr_opinfo uat_expr_ops[UAT_EXPR_COUNT];

int uat_expr_is_function(uat_expr_op op);

/* Builders: they take ownership of their operands and free them on failure, so a NULL
 * operand (a failed inner build) yields NULL without leaks. */
uat_expr *uat_expr_node(uat_expr_op op, uat_expr *a, uat_expr *b);
uat_expr *uat_expr_num(double v);
uat_expr *uat_expr_var(const char *name, size_t len);

/* Shortest %g text that reads back to exactly v. */
void uat_expr_format_number(double v, char *buf, size_t len);

/* The value of a function of one or two arguments (step(0) = 0, sign(0) = 0). */
double uat_expr_apply(uat_expr_op op, double a, double b);

#endif
