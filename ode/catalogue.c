/* catalogue.c — the built-in ODE systems with their Jacobians, invariants and exact solutions. */
#include <math.h>
#include <string.h>

#include "uat/ode.h"
#include "uat/status.h"
#include "uat/util.h"

/* ---- lotka-volterra: x' = alpha x - beta x y, y' = delta x y - gamma y ---------------- */
enum { LV_ALPHA, LV_BETA, LV_DELTA, LV_GAMMA };

static int lv_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  f[0] = p[LV_ALPHA] * y[0] - p[LV_BETA] * y[0] * y[1];
  f[1] = p[LV_DELTA] * y[0] * y[1] - p[LV_GAMMA] * y[1];
  return 0;
}

static int lv_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  J[0] = p[LV_ALPHA] - p[LV_BETA] * y[1];
  J[1] = -p[LV_BETA] * y[0];
  J[2] = p[LV_DELTA] * y[1];
  J[3] = p[LV_DELTA] * y[0] - p[LV_GAMMA];
  return 0;
}

static double lv_invariant(const double *y, const double *p, void *ctx) {
  (void)ctx;
  if (y[0] <= 0 || y[1] <= 0) return NAN;
  return p[LV_DELTA] * y[0] - p[LV_GAMMA] * log(y[0]) + p[LV_BETA] * y[1] - p[LV_ALPHA] * log(y[1]);
}

static const char *const lv_states[] = {"x", "y"};
static const char *const lv_params[] = {"alpha", "beta", "delta", "gamma"};
static const double lv_defaults[] = {1.5, 1.0, 1.0, 3.0};
static const double lv_y0[] = {10.0, 5.0};

/* ---- exp-decay: y' = -k y ------------------------------------------------------------ */
static int decay_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  f[0] = -p[0] * y[0];
  return 0;
}

static int decay_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)y;
  (void)ctx;
  J[0] = -p[0];
  return 0;
}

static int decay_exact(double t, double t0, const double *y0, const double *p, double *y,
                       void *ctx) {
  (void)ctx;
  y[0] = y0[0] * exp(-p[0] * (t - t0));
  return 0;
}

static const char *const decay_states[] = {"y"};
static const char *const decay_params[] = {"k"};
static const double decay_defaults[] = {0.7};
static const double decay_y0[] = {2.385};

/* ---- harmonic: x' = v, v' = -omega^2 x -------------------------------------------------- */
static int harm_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  f[0] = y[1];
  f[1] = -p[0] * p[0] * y[0];
  return 0;
}

static int harm_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)y;
  (void)ctx;
  J[0] = 0.0;
  J[1] = 1.0;
  J[2] = -p[0] * p[0];
  J[3] = 0.0;
  return 0;
}

static double harm_energy(const double *y, const double *p, void *ctx) {
  (void)ctx;
  return 0.5 * y[1] * y[1] + 0.5 * p[0] * p[0] * y[0] * y[0];
}

static int harm_exact(double t, double t0, const double *y0, const double *p, double *y,
                      void *ctx) {
  (void)ctx;
  const double w = p[0], s = sin(w * (t - t0)), c = cos(w * (t - t0));
  if (w == 0.0) return -1;
  y[0] = y0[0] * c + y0[1] / w * s;
  y[1] = -y0[0] * w * s + y0[1] * c;
  return 0;
}

static const char *const harm_states[] = {"x", "v"};
static const char *const harm_params[] = {"omega"};
static const double harm_defaults[] = {2.0};
static const double harm_y0[] = {1.0, 0.0};

/* ---- van-der-pol: x' = y, y' = mu (1 - x^2) y - x -------------------------------------- */
static int vdp_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  f[0] = y[1];
  f[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0];
  return 0;
}

static int vdp_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  J[0] = 0.0;
  J[1] = 1.0;
  J[2] = -2.0 * p[0] * y[0] * y[1] - 1.0;
  J[3] = p[0] * (1.0 - y[0] * y[0]);
  return 0;
}

static const char *const vdp_states[] = {"x", "y"};
static const char *const vdp_params[] = {"mu"};
static const double vdp_defaults[] = {1.0};
static const double vdp_y0[] = {2.0, 0.0};

/* ---- lorenz: x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z ---------------- */
static int lorenz_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  f[0] = p[0] * (y[1] - y[0]);
  f[1] = y[0] * (p[1] - y[2]) - y[1];
  f[2] = y[0] * y[1] - p[2] * y[2];
  return 0;
}

static int lorenz_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  const double Jv[9] = {-p[0], p[0], 0.0, p[1] - y[2], -1.0, -y[0], y[1], y[0], -p[2]};
  memcpy(J, Jv, sizeof Jv);
  return 0;
}

static const char *const lorenz_states[] = {"x", "y", "z"};
static const char *const lorenz_params[] = {"sigma", "rho", "beta"};
static const double lorenz_defaults[] = {10.0, 28.0, 8.0 / 3.0};
static const double lorenz_y0[] = {1.0, 1.0, 1.0};

/* ---- pendulum: theta' = omega, omega' = -(g/L) sin theta - c omega + A cos(wd t) -------- */
enum { PD_G, PD_L, PD_C, PD_A, PD_WD };

static int pend_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)ctx;
  f[0] = y[1];
  f[1] = -p[PD_G] / p[PD_L] * sin(y[0]) - p[PD_C] * y[1] + p[PD_A] * cos(p[PD_WD] * t);
  return 0;
}

static int pend_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  J[0] = 0.0;
  J[1] = 1.0;
  J[2] = -p[PD_G] / p[PD_L] * cos(y[0]);
  J[3] = -p[PD_C];
  return 0;
}

/* Energy per unit m L^2; conserved only without damping and drive. */
static double pend_energy(const double *y, const double *p, void *ctx) {
  (void)ctx;
  if (p[PD_C] != 0.0 || p[PD_A] != 0.0) return NAN;
  return 0.5 * y[1] * y[1] - p[PD_G] / p[PD_L] * cos(y[0]);
}

static const char *const pend_states[] = {"theta", "omega"};
static const char *const pend_params[] = {"g", "L", "c", "A", "wd"};
static const double pend_defaults[] = {9.81, 1.0, 0.0, 0.0, 2.0 / 3.0};
static const double pend_y0[] = {1.0, 0.0};

/* ---- sir: S' = -beta S I / N, I' = beta S I / N - gamma I, R' = gamma I, N = S + I + R --- */
static int sir_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  const double N = y[0] + y[1] + y[2];
  if (N == 0.0) return -1;
  const double infection = p[0] * y[0] * y[1] / N;
  f[0] = -infection;
  f[1] = infection - p[1] * y[1];
  f[2] = p[1] * y[1];
  return 0;
}

static int sir_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  const double S = y[0], I = y[1], N = y[0] + y[1] + y[2], b = p[0], g = p[1];
  if (N == 0.0) return -1;
  /* d(b S I / N)/dS = b I (N - S) / N^2, /dI = b S (N - I) / N^2, /dR = -b S I / N^2 */
  const double dS = b * I * (N - S) / (N * N), dI = b * S * (N - I) / (N * N);
  const double dR = -b * S * I / (N * N);
  const double Jv[9] = {-dS, -dI, -dR, dS, dI - g, dR, 0.0, g, 0.0};
  memcpy(J, Jv, sizeof Jv);
  return 0;
}

static double sir_total(const double *y, const double *p, void *ctx) {
  (void)p;
  (void)ctx;
  return y[0] + y[1] + y[2];
}

static const char *const sir_states[] = {"S", "I", "R"};
static const char *const sir_params[] = {"beta", "gamma"};
static const double sir_defaults[] = {0.3, 0.1};
static const double sir_y0[] = {0.99, 0.01, 0.0};

/* ---- cart-pole (Barto, Sutton & Anderson 1983; Florian 2005, no friction): a pole hinged on
 * a cart pushed by a force F (a parameter: the control, held over each step) ---------------- */
static int cartpole_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  const double g = p[0], M = p[1], m = p[2], l = p[3], F = p[4];
  const double th = y[2], w = y[3], s = sin(th), c = cos(th), total = M + m;
  const double tmp = (F + m * l * w * w * s) / total;
  const double thacc = (g * s - c * tmp) / (l * (4.0 / 3.0 - m * c * c / total));
  f[0] = y[1];
  f[1] = tmp - m * l * thacc * c / total;
  f[2] = w;
  f[3] = thacc;
  return 0;
}

static const char *const cartpole_states[] = {"x", "v", "theta", "omega"};
static const char *const cartpole_params[] = {"g", "M", "m", "l", "F"};
static const double cartpole_defaults[] = {9.8, 1.0, 0.1, 0.5, 0.0};
static const double cartpole_y0[] = {0.0, 0.0, 0.05, 0.0};

/* ---- pendulum swing-up (the Gym benchmark's pendulum: theta = 0 upright): a torque u ------ */
static int swingup_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  const double g = p[0], m = p[1], l = p[2], u = p[3];
  f[0] = y[1];
  f[1] = 3 * g / (2 * l) * sin(y[0]) + 3.0 / (m * l * l) * u;
  return 0;
}

static int swingup_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)ctx;
  J[0] = 0.0;
  J[1] = 1.0;
  J[2] = 3 * p[0] / (2 * p[2]) * cos(y[0]);
  J[3] = 0.0;
  return 0;
}

static const char *const swingup_states[] = {"theta", "omega"};
static const char *const swingup_params[] = {"g", "m", "l", "u"};
static const double swingup_defaults[] = {10.0, 1.0, 1.0, 0.0};
static const double swingup_y0[] = {3.0, 0.0};

static const uat_ode_system catalogue[] = {
    {"lotka-volterra", "x' = alpha*x - beta*x*y;  y' = delta*x*y - gamma*y", 2, lv_states, 4,
     lv_params, lv_defaults, lv_y0, 0.0, 15.0, lv_rhs, lv_jac, lv_invariant,
     "V = delta*x - gamma*ln(x) + beta*y - alpha*ln(y)", NULL, NULL},
    {"exp-decay", "y' = -k*y  (exact: y0*exp(-k*(t - t0)))", 1, decay_states, 1, decay_params,
     decay_defaults, decay_y0, 0.0, 5.0, decay_rhs, decay_jac, NULL, NULL, decay_exact, NULL},
    {"harmonic", "x' = v;  v' = -omega^2*x  (exact: x0 cos wt + v0/w sin wt)", 2, harm_states, 1,
     harm_params, harm_defaults, harm_y0, 0.0, 10.0, harm_rhs, harm_jac, harm_energy,
     "E = v^2/2 + omega^2*x^2/2", harm_exact, NULL},
    {"van-der-pol", "x' = y;  y' = mu*(1 - x^2)*y - x  (stiff for large mu)", 2, vdp_states, 1,
     vdp_params, vdp_defaults, vdp_y0, 0.0, 20.0, vdp_rhs, vdp_jac, NULL, NULL, NULL, NULL},
    {"lorenz", "x' = sigma*(y - x);  y' = x*(rho - z) - y;  z' = x*y - beta*z", 3, lorenz_states, 3,
     lorenz_params, lorenz_defaults, lorenz_y0, 0.0, 20.0, lorenz_rhs, lorenz_jac, NULL, NULL, NULL,
     NULL},
    {"pendulum", "theta' = omega;  omega' = -(g/L)*sin(theta) - c*omega + A*cos(wd*t)", 2,
     pend_states, 5, pend_params, pend_defaults, pend_y0, 0.0, 10.0, pend_rhs, pend_jac,
     pend_energy, "E = omega^2/2 - (g/L)*cos(theta)  (when c = 0 and A = 0)", NULL, NULL},
    {"sir", "S' = -beta*S*I/N;  I' = beta*S*I/N - gamma*I;  R' = gamma*I;  N = S + I + R", 3,
     sir_states, 2, sir_params, sir_defaults, sir_y0, 0.0, 160.0, sir_rhs, sir_jac, sir_total,
     "N = S + I + R", NULL, NULL},
    {"cartpole",
     "x' = v;  v' = T - m*l*a*cos(theta)/(M + m);  theta' = omega;  omega' = a;  T = (F + "
     "m*l*omega^2*sin(theta))/(M + m),  a = (g*sin(theta) - cos(theta)*T)/(l*(4/3 - "
     "m*cos(theta)^2/(M + m)))  (F: the control)",
     4, cartpole_states, 5, cartpole_params, cartpole_defaults, cartpole_y0, 0.0, 1.0, cartpole_rhs,
     NULL, NULL, NULL, NULL, NULL},
    {"pendulum-swingup",
     "theta' = omega;  omega' = 3*g/(2*l)*sin(theta) + 3/(m*l^2)*u  (theta = 0 upright; u: the "
     "control)",
     2, swingup_states, 4, swingup_params, swingup_defaults, swingup_y0, 0.0, 10.0, swingup_rhs,
     swingup_jac, NULL, NULL, NULL, NULL},
};

size_t uat_ode_catalogue_count(void) { return sizeof catalogue / sizeof catalogue[0]; }

const uat_ode_system *uat_ode_catalogue_get(size_t i) {
  return i < uat_ode_catalogue_count() ? &catalogue[i] : NULL;
}

const uat_ode_system *uat_ode_catalogue_find(const char *name) {
  for (size_t i = 0; i < uat_ode_catalogue_count(); i++)
    if (strcmp(catalogue[i].name, name) == 0) return &catalogue[i];
  return NULL;
}

int uat_ode_param_index(const uat_ode_system *sys, const char *name) {
  for (size_t i = 0; i < sys->n_params; i++)
    if (strcmp(sys->param_names[i], name) == 0) return (int)i;
  return -1;
}

/* sys's parameter names, comma-separated, into out (truncated to size). */
static void param_names(const uat_ode_system *sys, char *out, size_t size) {
  out[0] = '\0';
  for (size_t j = 0; j < sys->n_params; j++) {
    strncat(out, j ? ", " : "", size - strlen(out) - 1);
    strncat(out, sys->param_names[j], size - strlen(out) - 1);
  }
}

int uat_ode_params_set(const uat_ode_system *sys, const char *list, double *p, uat_error *err) {
  for (const char *item = list; item && *item;) {
    const char *end = strchr(item, ',');
    const size_t len = end ? (size_t)(end - item) : strlen(item);
    const char *eq = memchr(item, '=', len);
    if (eq == NULL)
      return uat_error_set(err, UAT_EINVAL, "expected name=value, found '%.*s'", (int)len, item);
    const size_t nlen = (size_t)(eq - item), vlen = len - nlen - 1;
    char name[128], value[128];
    if (nlen >= sizeof name || vlen >= sizeof value)
      return uat_error_set(err, UAT_EINVAL, "expected name=value, found '%.*s'", (int)len, item);
    memcpy(name, item, nlen);
    name[nlen] = '\0';
    memcpy(value, eq + 1, vlen);
    value[vlen] = '\0';
    const int k = uat_ode_param_index(sys, name);
    if (k < 0) {
      char names[256];
      param_names(sys, names, sizeof names);
      return uat_error_set(err, UAT_EINVAL, "%s has no parameter '%s' (it has %s)", sys->name, name,
                           names);
    }
    double v;
    if (uat_parse_double(value, &v) != UAT_OK || !isfinite(v))
      return uat_error_set(err, UAT_EINVAL, "expected a number for %s, found '%s'", name, value);
    p[k] = v;
    item = end ? end + 1 : NULL;
  }
  return UAT_OK;
}

int uat_ode_state_index(const uat_ode_system *sys, const char *name) {
  for (size_t i = 0; i < sys->dim; i++)
    if (strcmp(sys->state_names[i], name) == 0) return (int)i;
  return -1;
}
