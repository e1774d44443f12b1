/* fastsr-probe --draw: writes the overlaid pictures as H.264 (libx264 through
 * libavcodec, container by extension) or as .y4m. */
#ifndef FASTSR_PROBE_DRAWOUT_H
#define FASTSR_PROBE_DRAWOUT_H

#include <libavutil/rational.h>

#include "fastsr/picture.h"

typedef struct DrawOut DrawOut;

int drawout_open(DrawOut **o, const char *path, int w, int h, AVRational fps);
int drawout_write(DrawOut *o, const FsrPicture *pic);
/* finish: flush and write the trailer; 0 on the error path. */
int drawout_close(DrawOut **o, int finish);

#endif
