/* Stream copy for segmented runs: the video packet index of a file (where
 * it can be cut), one range of its video packets copied to a file of its
 * own, the facts of an encoded segment, and the concatenation of encoded
 * segments with the input's other streams, all without decoding. */
#ifndef FASTSR_SRC_REMUX_H
#define FASTSR_SRC_REMUX_H

#include <stdint.h>

#include <libavutil/rational.h>

typedef struct FsrPacketInfo {
    int64_t pts, dts, duration;   /* video stream time base */
    int key;
    int cut;    /* decoding can start here: nothing after it refers to anything before it */
} FsrPacketInfo;

/* The video packets of a file, in decode order. */
typedef struct FsrVideoIndex {
    AVRational time_base;
    int64_t n;
    FsrPacketInfo *pkts;
    int64_t size;             /* file size in bytes */
    char sha256[65];          /* of the whole file, hex */
} FsrVideoIndex;

/* Reads every packet of path (no decoding): the video index and the file's
 * SHA-256.  A cut is allowed before a packet that is an IDR picture (H.264)
 * or a key packet (other codecs) before which every earlier packet
 * displays and after which every later one does (a closed GOP). */
int fsr_video_index_scan(FsrVideoIndex *ix, const char *path);
void fsr_video_index_free(FsrVideoIndex *ix);

/* Refuses an output the merge cannot write: an unknown extension, an image
 * format, a container that cannot hold H.264. */
int fsr_remux_check_output(const char *path);

/* Copies the video packets of input with start_pts <= pts < end_pts
 * (end_pts INT64_MAX: to the end) into out (a NUT file, which keeps the
 * input's time base and timestamps exactly).  start_pts must be a cut. */
int fsr_remux_extract(const char *input, int64_t start_pts, int64_t end_pts, const char *out);

/* What the merge checks of one encoded segment. */
typedef struct FsrSegmentFile {
    int64_t packets;          /* video packets */
    int64_t first_pts;        /* smallest pts, in the input time base given */
    int width, height;
    int extradata_size;
    uint8_t extradata[512];   /* SPS/PPS: the same encoder settings give the same bytes */
    char x264_options[1024];  /* the encoder's settings string, "" if none */
} FsrSegmentFile;

/* Reads an encoded segment; timestamps are returned in tb. */
int fsr_segment_file_probe(FsrSegmentFile *sf, const char *path, AVRational tb);

/* The merge: the video packets of segments[0..n) in order, each shifted so
 * that its first frame displays at starts[i] (input video time base), and
 * every audio and subtitle stream of input, into output, written to a
 * temporary file renamed into place when complete. */
int fsr_remux_concat(const char *input, const char *const *segments, const int64_t *starts, int n,
                     const char *output, int overwrite);

#endif
