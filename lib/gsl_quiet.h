/* gsl_quiet.h — private: GSL's error handler turned off around the few GSL calls that report
 * ordinary outcomes through it (a quadrature short of its tolerance, a bracket without a
 * minimum), shared safely by concurrent callers. */
#ifndef UAT_GSL_QUIET_H
#define UAT_GSL_QUIET_H

/* The first of any concurrent callers saves the application's handler and turns GSL's off; the
 * last one restores it (a counted, mutex-protected section: overlapping calls from several
 * threads never restore a handler while another is inside). Always pair them. */
void uat_gsl_quiet_begin(void);
void uat_gsl_quiet_end(void);

#endif
