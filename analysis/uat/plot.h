/* uat/plot.h — plots through gnuplot. Every plot is a data file plus a gnuplot script that the
 * caller writes (so it can be restyled and rerun); this runs the script. */
#ifndef UAT_PLOT_H
#define UAT_PLOT_H

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 1 if a gnuplot executable is on PATH. */
int uat_plot_available(void);

/** Run `gnuplot SCRIPT`. UAT_ENOTFOUND when gnuplot is not installed (the script and data are
 *  still there to run later), UAT_EIO when it fails; gnuplot's own messages go to its stderr. */
int uat_plot_run(const char *script, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
