/* fastsr: fast video super-resolution from compressed-domain side
 * information (FAST, Zhang & Sze 2017).  Umbrella header of the public API. */
#ifndef FASTSR_FASTSR_H
#define FASTSR_FASTSR_H

#include "fastsr/common.h"
#include "fastsr/picture.h"
#include "fastsr/bicubic.h"
#include "fastsr/pipeline.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "fastsr/eval.h"
#include "fastsr/blockmap.h"
#include "fastsr/reader.h"
#include "fastsr/motion.h"
#include "fastsr/transfer.h"
#include "fastsr/fast.h"
#include "fastsr/train.h"
#include "fastsr/accel.h"
#include "fastsr/segments.h"

#endif
