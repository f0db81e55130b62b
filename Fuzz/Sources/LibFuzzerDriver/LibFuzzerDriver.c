// Declarations only (include/LibFuzzerDriver.h); SwiftPM needs one source file per C target.
#include "LibFuzzerDriver.h"
