/* fastsr-probe --draw: writes the overlaid pictures as H.264 (the library's
 * writer: libx264, container by extension, the input's timing) or as .y4m. */
#ifndef FASTSR_PROBE_DRAWOUT_H
#define FASTSR_PROBE_DRAWOUT_H

#include <stdint.h>

#include "fastsr/picture.h"
#include "fastsr/reader.h"

typedef struct DrawOut DrawOut;

/* Pictures of input's size, timed as input's frames.  The functions print
 * their own error line and return -1 on failure. */
int drawout_open(DrawOut **o, const char *path, const FsrReader *input);
/* pts and duration in input's time base. */
int drawout_write(DrawOut *o, const FsrPicture *pic, int64_t pts, int64_t duration);
/* finish: flush and write the trailer; 0 on the error path. */
int drawout_close(DrawOut **o, int finish);

#endif
