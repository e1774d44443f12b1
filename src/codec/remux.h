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
    /* a closed cut: an IDR picture (a key packet for codecs other than
     * H.264) before which every earlier packet displays and after which
     * every later one does; decoding can start here and nothing after it
     * refers to anything before it */
    int cut;
    /* an open cut: a key packet that is not a closed cut (an open GOP's I
     * frame, or an I frame between sparse IDRs), before which every
     * earlier packet displays; its leading pictures (after it in decode
     * order, displaying before it) refer to the GOP before, so a segment
     * starting here drops them and the segment before decodes them */
    int open;
    /* for a cut (either kind): the segment that ends here decodes packets
     * up to this index (exclusive): the cut itself when it is closed, the
     * cut and its leading pictures when it is open */
    int64_t prev_end;
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
 * SHA-256, and where it can be cut: closed cuts, and open cuts (the
 * container's key flag, which H.264 muxers set on IDR pictures and on I
 * pictures with a recovery point, the ones decoding can start at) whose
 * leading pictures end within FSR_MAX_LEADING packets. */
#define FSR_MAX_LEADING 64
int fsr_video_index_scan(FsrVideoIndex *ix, const char *path);
void fsr_video_index_free(FsrVideoIndex *ix);

/* Refuses an output the merge cannot write: an unknown extension, an image
 * format, a container that cannot hold H.264. */
int fsr_remux_check_output(const char *path);

/* Copies packets video packets of input, in decode order from the one
 * whose pts is start_pts (a cut), into out (a NUT file, which keeps the
 * timestamps exactly, maybe in a finer time base); *offset (input time
 * base) is added to them when the first packet's decode timestamp is
 * negative, which NUT cannot store. */
int fsr_remux_extract(const char *input, int64_t start_pts, int64_t packets, const char *out, int64_t *offset);

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
