/* buildinfo.c — how this uat was built (uat/util.h), for provenance records. */
#include "uat/util.h"
#include "uat_build.h"
#include "uat_git_commit.h"

const char *uat_build_commit(void) { return UAT_GIT_COMMIT; }
const char *uat_build_compiler(void) { return UAT_BUILD_COMPILER; }
const char *uat_build_flags(void) { return UAT_BUILD_FLAGS; }
