/* Segmented runs (include/fastsr/segments.h).  The work folder:
 *   manifest.json         the plan; segment states are rewritten under
 *                         manifest.lock by whoever finishes a segment
 *   seg-NNNNN.json        a finished segment's report, written before ...
 *   seg-NNNNN.mp4         ... its video, renamed into place last: a segment
 *                         is done only when both exist and agree with the
 *                         plan (frame count), so a killed run never leaves
 *                         one that looks done
 *   .seg-NNNNN.*.PID.*    a run in progress (removed when it ends; a killed
 *                         one's are removed by the next local run) */
#include "fastsr/segments.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "remux.h"

#define MANIFEST "manifest.json"
/* 2: segments say how many packets they decode ("packets"), which open
 * cuts need; a version 1 plan (closed cuts only: a segment decodes its own
 * frames' packets) is read as it was written */
#define MANIFEST_VERSION 2
#define MANIFEST_READS(v) ((v) == 1 || (v) == MANIFEST_VERSION)
/* a path in the work folder */
#define WPATH (PATH_MAX + 64)

/* Copies src into dst (size bytes), cut if too long (report fields). */
static void copy_str(char *dst, size_t size, const char *src)
{
    const size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
}

typedef struct PlanPriv {
    char *strings[16];  /* what settings' pointers point to */
    int n_strings;
} PlanPriv;

void fsr_segments_default_dir(const char *output, char *dir, size_t size)
{
    snprintf(dir, size, "%s.segments", output);
}

static const char *own(FsrSegmentPlan *p, const char *s)
{
    PlanPriv *pp = p->priv;
    if (!s || pp->n_strings == (int)(sizeof(pp->strings) / sizeof(pp->strings[0])))
        return NULL;
    return pp->strings[pp->n_strings++] = strdup(s);
}

static void seg_path(const FsrSegmentPlan *p, int i, const char *ext, char *buf, size_t size)
{
    snprintf(buf, size, "%s/seg-%05d.%s", p->work_dir, i, ext);
}

static const char *seg_range(const FsrSegment *sg, char *buf, size_t size)
{
    snprintf(buf, size, "segment %d (frames %lld-%lld, %.3f-%.3f s)", sg->index, (long long)sg->first_frame,
             (long long)(sg->first_frame + sg->frames - 1), sg->start_seconds, sg->end_seconds);
    return buf;
}

/* ---- the manifest ---- */

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* Every option that changes the output (and the report), as the manifest
 * stores it; two runs may share a work folder only when these are equal. */
static cJSON *options_json(const FsrSettings *s, double seconds)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "segment_seconds", seconds);
    cJSON_AddNumberToObject(o, "scale", s->scale);
    cJSON_AddStringToObject(o, "mode", fsr_mode_name(s->mode));
    add_str(o, "model", s->sr.model);
    cJSON_AddNumberToObject(o, "backend", s->sr.backend);
    cJSON_AddNumberToObject(o, "precision", s->sr.precision);
    add_str(o, "keyframes", s->fast.keyframes);
    add_str(o, "hr_filter", s->fast.hr_filter);
    cJSON_AddNumberToObject(o, "fallback", s->fast.fallback);
    cJSON_AddNumberToObject(o, "deblock", s->fast.deblock);
    cJSON_AddNumberToObject(o, "back_project", s->fast.back_project);
    cJSON_AddNumberToObject(o, "refine", s->fast.refine);
    cJSON_AddNumberToObject(o, "crf", s->encode.crf);
    add_str(o, "preset", s->encode.preset);
    add_str(o, "x264_params", s->encode.x264_params);
    add_str(o, "encoder_opts", s->encode.encoder_opts);
    cJSON_AddNumberToObject(o, "motion", s->fast.motion);
    cJSON_AddNumberToObject(o, "motion_refs", s->fast.motion_refs);
    cJSON_AddNumberToObject(o, "keep_going", s->decode.keep_going);
    cJSON_AddNumberToObject(o, "depth", s->decode.depth);
    add_str(o, "accel", s->accel.arch);
    cJSON_AddNumberToObject(o, "accel_shape_only", s->accel.shape_only);
    return o;
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double json_num(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Integers of a manifest or report, which may hold anything: a value out
 * of range (or not a number) is def, never an undefined conversion. */
static int64_t to_i64(double v, int64_t def)
{
    return v >= -9007199254740992.0 && v <= 9007199254740992.0 ? (int64_t)v : def;
}

static int64_t json_i64(const cJSON *o, const char *key, int64_t def)
{
    return to_i64(json_num(o, key, (double)def), def);
}

static int json_int(const cJSON *o, const char *key, int def)
{
    const double v = json_num(o, key, def);
    return v >= INT_MIN && v <= INT_MAX ? (int)v : def;
}

static int options_parse(FsrSegmentPlan *p, const cJSON *o)
{
    FsrSettings *s = &p->settings;
    p->segment_seconds = json_num(o, "segment_seconds", 0);
    s->scale = json_int(o, "scale", 0);
    const char *mode = json_str(o, "mode");
    if (!mode || !p->segment_seconds || !s->scale)
        return -1;
    s->mode = !strcmp(mode, "srcnn") ? FSR_MODE_SRCNN : !strcmp(mode, "bicubic") ? FSR_MODE_BICUBIC : FSR_MODE_FAST;
    s->sr.model = own(p, json_str(o, "model"));
    s->sr.backend = json_int(o, "backend", 0);
    s->sr.precision = json_int(o, "precision", 0);
    s->fast.keyframes = own(p, json_str(o, "keyframes"));
    s->fast.hr_filter = own(p, json_str(o, "hr_filter"));
    s->fast.fallback = json_num(o, "fallback", 0);
    s->fast.deblock = json_int(o, "deblock", 0);
    s->fast.back_project = json_int(o, "back_project", 0);
    /* absent in the settings of jobs started before it existed: off, as
     * they ran */
    s->fast.refine = json_int(o, "refine", 0);
    s->encode.crf = json_int(o, "crf", 18);
    s->encode.preset = own(p, json_str(o, "preset"));
    s->encode.x264_params = own(p, json_str(o, "x264_params"));
    s->encode.encoder_opts = own(p, json_str(o, "encoder_opts"));
    s->fast.motion = json_int(o, "motion", FSR_MOTION_AUTO);
    s->fast.motion_refs = json_int(o, "motion_refs", 0);
    s->decode.keep_going = json_int(o, "keep_going", 0);
    /* plans made before 10-bit work converted every input to 8 bits */
    s->decode.depth = json_int(o, "depth", 8);
    s->accel.arch = own(p, json_str(o, "accel"));
    s->accel.shape_only = json_int(o, "accel_shape_only", 0);
    return 0;
}

static cJSON *plan_json(const FsrSegmentPlan *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "fastsr_segments", MANIFEST_VERSION);
    cJSON_AddStringToObject(o, "fastsr_version", fsr_version());
    cJSON *in = cJSON_AddObjectToObject(o, "input");
    cJSON_AddStringToObject(in, "path", p->settings.input);
    cJSON_AddNumberToObject(in, "size", (double)p->input_size);
    cJSON_AddStringToObject(in, "sha256", p->input_sha256);
    cJSON_AddStringToObject(o, "output", p->settings.output);
    cJSON_AddItemToObject(o, "options", options_json(&p->settings, p->segment_seconds));
    cJSON *v = cJSON_AddObjectToObject(o, "video");
    cJSON *tb = cJSON_AddArrayToObject(v, "time_base");
    cJSON_AddItemToArray(tb, cJSON_CreateNumber(p->tb_num));
    cJSON_AddItemToArray(tb, cJSON_CreateNumber(p->tb_den));
    cJSON_AddNumberToObject(v, "frames", (double)p->frames);
    cJSON *segs = cJSON_AddArrayToObject(o, "segments");
    for (int i = 0; i < p->n_segments; i++) {
        const FsrSegment *sg = &p->segments[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "index", sg->index);
        cJSON_AddNumberToObject(s, "first_frame", (double)sg->first_frame);
        cJSON_AddNumberToObject(s, "frames", (double)sg->frames);
        cJSON_AddNumberToObject(s, "cut_pts", (double)sg->cut_pts);
        cJSON_AddNumberToObject(s, "packets", (double)sg->packets);
        cJSON_AddNumberToObject(s, "start_pts", (double)sg->start_pts);
        cJSON_AddNumberToObject(s, "end_pts", (double)sg->end_pts);
        cJSON_AddNumberToObject(s, "start_seconds", sg->start_seconds);
        cJSON_AddNumberToObject(s, "end_seconds", sg->end_seconds);
        cJSON_AddStringToObject(s, "state", sg->state == FSR_SEGMENT_DONE ? "done" : "pending");
        cJSON_AddItemToArray(segs, s);
    }
    return o;
}

/* Writes text to path through a temporary file in the same folder, synced
 * before the rename, so that path is always either the old or the new. */
static int write_atomic(const char *path, const char *text)
{
    char tmp[WPATH + 32];
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    int ret = 0;
    if (!f)
        return fsr_error(FSR_ERR(errno), "%s: cannot write: %s", tmp, strerror(errno));
    if (fputs(text, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
        ret = fsr_error(FSR_ERR(EIO), "%s: cannot write: %s", path, strerror(errno));
    if (fclose(f) != 0 && !ret)
        ret = fsr_error(FSR_ERR(EIO), "%s: cannot write: %s", path, strerror(errno));
    if (!ret && rename(tmp, path) < 0)
        ret = fsr_error(FSR_ERR(errno), "%s: cannot write: %s", path, strerror(errno));
    if (ret < 0)
        unlink(tmp);
    return ret;
}

static int write_manifest(const FsrSegmentPlan *p)
{
    char path[WPATH];
    snprintf(path, sizeof(path), "%s/" MANIFEST, p->work_dir);
    cJSON *o = plan_json(p);
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    int ret = write_atomic(path, text);
    cJSON_free(text);
    return ret;
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[len] = 0;
    cJSON *o = cJSON_Parse(buf);
    free(buf);
    return o;
}

static int plan_alloc(FsrSegmentPlan **pp, const char *work_dir)
{
    FsrSegmentPlan *p = calloc(1, sizeof(*p));
    if (!p || !(p->priv = calloc(1, sizeof(PlanPriv)))) {
        free(p);
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    fsr_run_defaults(&p->settings);
    copy_str(p->work_dir, sizeof(p->work_dir), work_dir);
    *pp = p;
    return 0;
}

static int plan_from_json(FsrSegmentPlan *p, const cJSON *o, const char *path)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "input");
    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(o, "segments");
    const cJSON *tb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "video"), "time_base");
    const char *input = json_str(in, "path"), *sha = json_str(in, "sha256"), *output = json_str(o, "output");
    const double version = json_num(o, "fastsr_segments", 0);
    if (!MANIFEST_READS(version) || !input || !sha || strlen(sha) != 64 || !output ||
        !cJSON_IsArray(segs) || cJSON_GetArraySize(segs) < 1 || cJSON_GetArraySize(tb) != 2 ||
        options_parse(p, cJSON_GetObjectItemCaseSensitive(o, "options")) < 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: not a fastsr segment plan (or of another version)", path);
    p->settings.input = own(p, input);
    p->settings.output = own(p, output);
    snprintf(p->input_sha256, sizeof(p->input_sha256), "%s", sha);
    p->input_size = json_i64(in, "size", -1);
    const double tn = cJSON_GetArrayItem(tb, 0)->valuedouble, td = cJSON_GetArrayItem(tb, 1)->valuedouble;
    p->tb_num = tn >= 1 && tn <= INT_MAX ? (int)tn : 0;
    p->tb_den = td >= 1 && td <= INT_MAX ? (int)td : 0;
    p->frames = json_i64(cJSON_GetObjectItemCaseSensitive(o, "video"), "frames", 0);
    p->n_segments = cJSON_GetArraySize(segs);
    if (!(p->segments = calloc((size_t)p->n_segments, sizeof(*p->segments))))
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int i = 0; i < p->n_segments; i++) {
        const cJSON *s = cJSON_GetArrayItem(segs, i);
        FsrSegment *sg = &p->segments[i];
        sg->index = i;
        sg->first_frame = json_i64(s, "first_frame", -1);
        sg->frames = json_i64(s, "frames", 0);
        sg->cut_pts = json_i64(s, "cut_pts", 0);
        sg->packets = version == 1 ? sg->frames : json_i64(s, "packets", 0);
        sg->start_pts = json_i64(s, "start_pts", 0);
        sg->end_pts = json_i64(s, "end_pts", 0);
        sg->start_seconds = json_num(s, "start_seconds", 0);
        sg->end_seconds = json_num(s, "end_seconds", 0);
        /* every frame comes from one packet it decodes */
        if (sg->first_frame < 0 || sg->frames < 1 || sg->packets < sg->frames || sg->start_pts >= sg->end_pts ||
            json_num(s, "index", -1) != i)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: segment %d is malformed", path, i);
    }
    if (p->tb_num <= 0 || p->tb_den <= 0 || !p->settings.input || !p->settings.output)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: not a fastsr segment plan", path);
    return 0;
}

/* ---- segment states ---- */

/* The frame count in a finished segment's report, or -1. */
static int64_t report_frames(const char *path)
{
    cJSON *o = read_json(path);
    const int64_t n = o ? json_i64(o, "frames", -1) : -1;
    cJSON_Delete(o);
    return n;
}

/* Done when both files exist, the report's frames are the plan's (fewer
 * only with keep_going: frames that did not decode), and the video holds
 * that many. */
static int segment_check(const FsrSegmentPlan *p, int i, char *why, size_t why_size)
{
    const FsrSegment *sg = &p->segments[i];
    char json[WPATH], mp4[WPATH];
    seg_path(p, i, "json", json, sizeof(json));
    seg_path(p, i, "mp4", mp4, sizeof(mp4));
    if (access(mp4, F_OK) < 0)
        return snprintf(why, why_size, "not run"), 0;
    const int64_t n = report_frames(json);
    if (n < 1 || n > sg->frames || (n != sg->frames && !p->settings.decode.keep_going))
        return snprintf(why, why_size, "%s has no valid report", mp4), 0;
    FsrSegmentFile sf;
    const AVRational tb = { p->tb_num, p->tb_den };
    if (fsr_segment_file_probe(&sf, mp4, tb) < 0)
        return snprintf(why, why_size, "%s", fsr_last_error()), 0;
    if (sf.packets != n)
        return snprintf(why, why_size, "%s has %lld frames, its report %lld", mp4, (long long)sf.packets,
                        (long long)n), 0;
    return 1;
}

int fsr_segments_refresh(FsrSegmentPlan *p)
{
    int done = 0;
    char why[2 * PATH_MAX];
    for (int i = 0; i < p->n_segments; i++) {
        p->segments[i].state = segment_check(p, i, why, sizeof(why)) ? FSR_SEGMENT_DONE : FSR_SEGMENT_PENDING;
        done += p->segments[i].state == FSR_SEGMENT_DONE;
    }
    return done;
}

/* Records a finished segment in the manifest, under the work folder's lock
 * (the segments of one plan may finish in several processes at once). */
static int manifest_mark_done(FsrSegmentPlan *p, int index)
{
    char lock[WPATH], path[WPATH];
    snprintf(lock, sizeof(lock), "%s/manifest.lock", p->work_dir);
    snprintf(path, sizeof(path), "%s/" MANIFEST, p->work_dir);
    const int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        if (fd >= 0)
            close(fd);
        return fsr_error(FSR_ERR(errno), "%s: cannot lock: %s", lock, strerror(errno));
    }
    int ret = 0;
    cJSON *o = read_json(path);
    cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "segments"), index);
    char *text = NULL;
    if (!s) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: cannot be read back", path);
    } else {
        cJSON_ReplaceItemInObjectCaseSensitive(s, "state", cJSON_CreateString("done"));
        if (!(text = cJSON_Print(o)))
            ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        else
            ret = write_atomic(path, text);
    }
    cJSON_free(text);
    cJSON_Delete(o);
    close(fd);
    return ret;
}

/* ---- planning ---- */

static int make_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return fsr_error(FSR_ERR(ENOTDIR), "%s: work folder is not a folder", dir);
        return 0;
    }
    if (mkdir(dir, 0755) < 0)
        return fsr_error(FSR_ERR(errno), "%s: cannot create the work folder: %s", dir, strerror(errno));
    return 0;
}

/* An absolute path (the folder must exist), so that every machine of a
 * job engine sharing the folders reads the same files. */
static int absolute(const char *path, char *out, size_t size)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    char *slash = strrchr(tmp, '/');
    const char *base = slash ? slash + 1 : tmp;
    if (slash == tmp)
        snprintf(dir, sizeof(dir), "/");
    else if (slash)
        *slash = 0;
    if (!realpath(slash == tmp ? "/" : slash ? tmp : ".", dir))
        return fsr_error(FSR_ERR(errno), "%s: %s", path, strerror(errno));
    if (snprintf(out, size, "%s/%s", strcmp(dir, "/") ? dir : "", base) >= (int)size)
        return fsr_error(FSR_ERR(ENAMETOOLONG), "%s: path too long", path);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* How many of the sorted n values are below v. */
static int64_t count_below(const int64_t *sorted, int64_t n, int64_t v)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where the segment starting at packet a ends: the first cut at least
 * seconds after it, or n.  An open cut costs decoding on both sides (the
 * leading pictures twice, the I frame's SR twice): a closed cut up to a
 * quarter of a segment further on is taken instead. */
static int64_t next_cut(const FsrVideoIndex *ix, int64_t a, double seconds)
{
    const double tb = (double)ix->time_base.num / ix->time_base.den;
    int64_t b = a + 1;
    while (b < ix->n &&
           !((ix->pkts[b].cut || ix->pkts[b].open) && (ix->pkts[b].pts - ix->pkts[a].pts) * tb >= seconds))
        b++;
    if (b < ix->n && !ix->pkts[b].cut)
        for (int64_t c = b + 1; c < ix->n && (ix->pkts[c].pts - ix->pkts[b].pts) * tb <= seconds / 4; c++)
            if (ix->pkts[c].cut)
                return c;
    return b;
}

/* Segments of about seconds, cut only where the index allows.  A segment
 * shows the frames displaying from its cut's picture up to the next cut's
 * (the first segment: from the first frame), whichever packets they come
 * from. */
static int plan_segments(FsrSegmentPlan *p, const FsrVideoIndex *ix)
{
    const double tb = (double)ix->time_base.num / ix->time_base.den;
    int cap = 16, n = 0;
    FsrSegment *segs = calloc((size_t)cap, sizeof(*segs));
    int64_t *sorted = malloc(sizeof(int64_t) * (size_t)ix->n);
    if (!segs || !sorted) {
        free(segs);
        free(sorted);
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    /* the display order: a frame's place in it is how many display before it */
    int64_t end = INT64_MIN;
    for (int64_t k = 0; k < ix->n; k++) {
        const FsrPacketInfo *pk = &ix->pkts[k];
        sorted[k] = pk->pts;
        const int64_t e = pk->pts + (pk->duration > 0 ? pk->duration : 1);
        end = e > end ? e : end;
    }
    qsort(sorted, (size_t)ix->n, sizeof(*sorted), cmp_i64);
    int64_t a = 0;
    while (a < ix->n) {
        const int64_t b = next_cut(ix, a, p->segment_seconds);
        if (n == cap) {
            cap *= 2;
            FsrSegment *ns = realloc(segs, sizeof(*segs) * (size_t)cap);
            if (!ns) {
                free(segs);
                free(sorted);
                return fsr_error(FSR_ERR(ENOMEM), "out of memory");
            }
            segs = ns;
        }
        FsrSegment *sg = &segs[n];
        memset(sg, 0, sizeof(*sg));
        sg->index = n++;
        sg->cut_pts = ix->pkts[a].pts;
        sg->start_pts = a ? ix->pkts[a].pts : sorted[0];
        sg->end_pts = b < ix->n ? ix->pkts[b].pts : end;
        sg->packets = (b < ix->n ? ix->pkts[b].prev_end : ix->n) - a;
        sg->first_frame = count_below(sorted, ix->n, sg->start_pts);
        sg->frames = (b < ix->n ? count_below(sorted, ix->n, sg->end_pts) : ix->n) - sg->first_frame;
        sg->start_seconds = sg->start_pts * tb;
        sg->end_seconds = sg->end_pts * tb;
        a = b;
    }
    free(sorted);
    p->segments = segs;
    p->n_segments = n;
    return 0;
}

/* The first option whose value differs, for the error message. */
static const char *first_difference(const cJSON *a, const cJSON *b)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
        if (!y || !cJSON_Compare(x, y, 1))
            return x->string;
    }
    cJSON_ArrayForEach(x, b) {
        if (!cJSON_GetObjectItemCaseSensitive(a, x->string))
            return x->string;
    }
    return NULL;
}

int fsr_segments_plan(FsrSegmentPlan **pp, const FsrSettings *s, double seconds, const char *work_dir)
{
    *pp = NULL;
    if (!s || !s->input || !s->output || !work_dir || !*work_dir)
        return fsr_error(FSR_ERR(EINVAL), "input, output and work folder are required");
    if (!(seconds > 0 && seconds <= 86400))
        return fsr_error(FSR_ERR(EINVAL), "segment length must be 0 < seconds <= 86400, not %g", seconds);
    char in_abs[PATH_MAX], out_abs[PATH_MAX], dir_abs[PATH_MAX];
    int ret;
    if ((ret = fsr_remux_check_output(s->output)) < 0 || (ret = absolute(s->input, in_abs, sizeof(in_abs))) < 0 ||
        (ret = absolute(s->output, out_abs, sizeof(out_abs))) < 0 || (ret = make_dir(work_dir)) < 0)
        return ret;
    if (!realpath(work_dir, dir_abs))
        return fsr_error(FSR_ERR(errno), "%s: %s", work_dir, strerror(errno));
    FsrVideoIndex ix;
    if ((ret = fsr_video_index_scan(&ix, in_abs)) < 0)
        return ret;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/" MANIFEST, dir_abs);
    cJSON *old = read_json(path);
    if (!old && access(path, F_OK) == 0) {
        fsr_video_index_free(&ix);
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: unreadable plan; remove the work folder %s or use another",
                         path, dir_abs);
    }
    if (old && !MANIFEST_READS(json_num(old, "fastsr_segments", 0))) {
        cJSON_Delete(old);
        fsr_video_index_free(&ix);
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: not a fastsr segment plan (or of another version); remove the "
                         "work folder %s or use another", path, dir_abs);
    }
    if (old) {
        /* resume: the same input and options, or nothing */
        cJSON *opts = options_json(s, seconds);
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(old, "input");
        const char *sha = json_str(in, "sha256");
        const char *diff = opts ? first_difference(opts, cJSON_GetObjectItemCaseSensitive(old, "options")) : "memory";
        if (!sha || strcmp(sha, ix.sha256))
            ret = fsr_error(FSR_ERR(EEXIST), "%s: work folder holds a plan for another input (%s, sha256 %.12s..., "
                            "not %s, sha256 %.12s...); remove it or use another work folder", dir_abs,
                            json_str(in, "path") ? json_str(in, "path") : "?", sha ? sha : "?", in_abs, ix.sha256);
        else if (diff)
            ret = fsr_error(FSR_ERR(EEXIST), "%s: work folder holds a plan made with other options (%s differs); "
                            "remove it or use another work folder", dir_abs, diff);
        cJSON_Delete(opts);
        fsr_video_index_free(&ix);
        if (ret >= 0 && (ret = plan_alloc(pp, dir_abs)) >= 0 && (ret = plan_from_json(*pp, old, path)) >= 0) {
            /* the output may move; the manifest says where it goes now */
            (*pp)->settings.output = own(*pp, out_abs);
            fsr_segments_refresh(*pp);
            ret = write_manifest(*pp);
        }
        cJSON_Delete(old);
        if (ret < 0)
            fsr_segments_close(pp);
        return ret;
    }
    if ((ret = plan_alloc(pp, dir_abs)) < 0) {
        fsr_video_index_free(&ix);
        return ret;
    }
    FsrSegmentPlan *p = *pp;
    p->settings = *s;
    p->settings.input = own(p, in_abs);
    p->settings.output = own(p, out_abs);
    p->settings.sr.model = own(p, s->sr.model);
    p->settings.fast.keyframes = own(p, s->fast.keyframes);
    p->settings.fast.hr_filter = own(p, s->fast.hr_filter);
    p->settings.encode.preset = own(p, s->encode.preset);
    p->settings.encode.x264_params = own(p, s->encode.x264_params);
    p->settings.accel.arch = own(p, s->accel.arch);
    p->settings.progress = NULL;
    p->settings.frame_done = NULL;
    p->settings.cancel = NULL;
    p->segment_seconds = seconds;
    p->tb_num = ix.time_base.num;
    p->tb_den = ix.time_base.den;
    p->frames = ix.n;
    p->input_size = ix.size;
    snprintf(p->input_sha256, sizeof(p->input_sha256), "%s", ix.sha256);
    ret = plan_segments(p, &ix);
    fsr_video_index_free(&ix);
    if (ret >= 0)
        ret = write_manifest(p);
    if (ret < 0)
        fsr_segments_close(pp);
    return ret;
}

int fsr_segments_open(FsrSegmentPlan **pp, const char *work_dir)
{
    *pp = NULL;
    char dir_abs[PATH_MAX], path[PATH_MAX + 32];
    if (!work_dir || !realpath(work_dir, dir_abs))
        return fsr_error(FSR_ERR(ENOENT), "%s: no such work folder", work_dir ? work_dir : "(null)");
    snprintf(path, sizeof(path), "%s/" MANIFEST, dir_abs);
    cJSON *o = read_json(path);
    if (!o)
        return fsr_error(access(path, F_OK) == 0 ? FSR_ERR_INVALIDDATA : FSR_ERR(ENOENT),
                         "%s: %s (run the plan first)", path,
                         access(path, F_OK) == 0 ? "unreadable plan" : "no plan in this work folder");
    int ret = plan_alloc(pp, dir_abs);
    if (ret >= 0 && (ret = plan_from_json(*pp, o, path)) >= 0)
        fsr_segments_refresh(*pp);
    cJSON_Delete(o);
    if (ret < 0)
        fsr_segments_close(pp);
    return ret;
}

void fsr_segments_close(FsrSegmentPlan **pp)
{
    FsrSegmentPlan *p = *pp;
    if (!p)
        return;
    PlanPriv *pp_ = p->priv;
    for (int i = 0; pp_ && i < pp_->n_strings; i++)
        free(pp_->strings[i]);
    free(pp_);
    free(p->segments);
    free(p);
    *pp = NULL;
}

/* ---- one segment ---- */

static int fsync_path(const char *path)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0) {
        const int e = errno;
        if (fd >= 0)
            close(fd);
        return fsr_error(FSR_ERR(e), "%s: cannot sync: %s", path, strerror(e));
    }
    close(fd);
    return 0;
}

/* text with its first what replaced by with, into out */
static void replace(char *out, size_t size, const char *text, const char *what, const char *with)
{
    const char *at = strstr(text, what);
    if (at)
        snprintf(out, size, "%.*s%s%s", (int)(at - text), text, with, at + strlen(what));
    else
        snprintf(out, size, "%s", text);
}

int fsr_segments_run_one(FsrSegmentPlan *p, int index, int threads, volatile sig_atomic_t *cancel, FsrReport *report)
{
    FsrReport local;
    FsrReport *r = report ? report : &local;
    memset(r, 0, sizeof(*r));
    if (index < 0 || index >= p->n_segments)
        return fsr_error(FSR_ERR(EINVAL), "no segment %d (the plan has 0-%d)", index, p->n_segments - 1);
    const FsrSegment *sg = &p->segments[index];
    char range[160];
    seg_range(sg, range, sizeof(range));
    struct stat st;
    if (stat(p->settings.input, &st) < 0)
        return fsr_error(FSR_ERR(errno), "%s: %s", p->settings.input, strerror(errno));
    if ((int64_t)st.st_size != p->input_size)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: the input changed since it was planned (%lld bytes, not %lld)",
                         p->settings.input, (long long)st.st_size, (long long)p->input_size);
    char lr[WPATH], run_out[WPATH], json[WPATH], mp4[WPATH];
    const int pid = (int)getpid();
    snprintf(lr, sizeof(lr), "%s/.seg-%05d.in.%d.nut", p->work_dir, index, pid);
    snprintf(run_out, sizeof(run_out), "%s/.seg-%05d.out.%d.mp4", p->work_dir, index, pid);
    seg_path(p, index, "json", json, sizeof(json));
    seg_path(p, index, "mp4", mp4, sizeof(mp4));
    int64_t offset;
    int ret = fsr_remux_extract(p->settings.input, sg->cut_pts, sg->packets, lr, &offset);
    if (ret < 0)
        return fsr_error(ret, "%s: %s", range, fsr_last_error());
    FsrSettings s = p->settings;
    s.input = lr;
    s.output = run_out;
    s.encode.overwrite = 1;
    s.threads = threads;
    s.cancel = cancel;
    /* only the segment's own frames come out (the others it decodes are
     * references); the last segment's window is open-ended, as its
     * end_pts (the last frame's end) is a plan's figure, not a cut */
    s.decode.window = 1;
    s.decode.window_start = sg->start_pts + offset;
    s.decode.window_end = index + 1 < p->n_segments ? sg->end_pts + offset : INT64_MAX;
    s.decode.window_tb_num = p->tb_num;
    s.decode.window_tb_den = p->tb_den;
    ret = fsr_run(&s, r);
    unlink(lr);
    copy_str(r->input, sizeof(r->input), p->settings.input);
    copy_str(r->output, sizeof(r->output), mp4);
    if (ret < 0) {
        unlink(run_out);
        /* the message names the segment's temporary files: name the input
         * and the segment's file instead */
        char msg[1024], msg2[1024];
        replace(msg, sizeof(msg), fsr_last_error(), lr, p->settings.input);
        replace(msg2, sizeof(msg2), msg, run_out, mp4);
        return fsr_error(ret, "%s: %s", range, msg2);
    }
    if (r->frames != sg->frames && !(p->settings.decode.keep_going && r->frames < sg->frames)) {
        unlink(run_out);
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %lld frames came out, the plan has %lld", range,
                         (long long)r->frames, (long long)sg->frames);
    }
    /* the report first, the video last: the video's name is the promise */
    char json_tmp[WPATH + 16];
    snprintf(json_tmp, sizeof(json_tmp), "%s.%d.tmp", json, pid);
    if ((ret = fsr_report_write_json(r, json_tmp)) < 0 || (ret = fsync_path(json_tmp)) < 0 ||
        (ret = fsync_path(run_out)) < 0) {
        unlink(json_tmp);
        unlink(run_out);
        return ret;
    }
    if (rename(json_tmp, json) < 0 || rename(run_out, mp4) < 0) {
        ret = fsr_error(FSR_ERR(errno), "%s: cannot move into place: %s", mp4, strerror(errno));
        unlink(json_tmp);
        unlink(run_out);
        return ret;
    }
    p->segments[index].state = FSR_SEGMENT_DONE;
    return manifest_mark_done(p, index);
}

/* ---- this machine as the job engine ---- */

/* Removes what killed runs on this machine left: .seg-* files whose
 * process is gone. */
static void remove_stale(const FsrSegmentPlan *p)
{
    DIR *d = opendir(p->work_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int idx, pid;
        char kind[8], c;
        const char *n = e->d_name[0] == '.' ? e->d_name[1] == '.' ? e->d_name + 2 : e->d_name + 1 : e->d_name;
        /* .seg-N.in.PID.nut, .seg-N.out.PID.mp4, ..seg-N.out.PID.mp4.PID.part.mp4, seg-N.json.PID.tmp,
         * manifest.json.PID.tmp */
        if (!(sscanf(n, "seg-%d.%7[a-z].%d", &idx, kind, &pid) == 3 ||
              sscanf(n, "manifest.%7[a-z].%d.tm%c", kind, &pid, &c) == 3) || pid <= 0)
            continue;
        if (kill(pid, 0) < 0 && errno == ESRCH) {
            char path[WPATH + 300];
            snprintf(path, sizeof(path), "%s/%s", p->work_dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

typedef struct Worker {
    pid_t pid;
    int segment;
    int fd;     /* the child's error line */
} Worker;

static void child_run(FsrSegmentPlan *p, int index, int threads, volatile sig_atomic_t *cancel, int fd)
{
    /* a killed parent takes its workers with it */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(3);
    FsrReport r;
    int ret = fsr_segments_run_one(p, index, threads, cancel, &r);
    /* the report goes back through the segment's files; the error here */
    if (ret < 0) {
        const char *msg = fsr_last_error();
        if (write(fd, msg, strlen(msg)) < 0)
            ret = -1;
    }
    close(fd);
    _exit(ret < 0 ? (ret == FSR_ERR(EINTR) ? 2 : 1) : 0);
}

static int reap(FsrSegmentPlan *p, Worker *w, int n_workers, int *running, char *err, size_t err_size,
                int *failed, void (*on_done)(void *, const FsrSegment *, const FsrReport *), void *opaque)
{
    int status;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0)
        return errno == EINTR ? 0 : fsr_error(FSR_ERR(errno), "waitpid: %s", strerror(errno));
    for (int k = 0; k < n_workers; k++) {
        if (w[k].pid != pid)
            continue;
        char msg[1024] = "";
        const ssize_t got = read(w[k].fd, msg, sizeof(msg) - 1);
        msg[got > 0 ? got : 0] = 0;
        close(w[k].fd);
        const int seg = w[k].segment;
        w[k].pid = 0;
        (*running)--;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            p->segments[seg].state = FSR_SEGMENT_DONE;
            if (on_done) {
                char json[WPATH];
                seg_path(p, seg, "json", json, sizeof(json));
                FsrReport r;
                memset(&r, 0, sizeof(r));
                cJSON *o = read_json(json);
                r.frames = json_i64(o, "frames", 0);
                r.sr.frames = json_i64(o, "sr_frames", 0);
                r.fast.transferred_frames = json_i64(o, "transferred_frames", 0);
                r.seconds.total = json_num(cJSON_GetObjectItemCaseSensitive(o, "seconds"), "total", 0);
                cJSON_Delete(o);
                on_done(opaque, &p->segments[seg], &r);
            }
        } else if (!*failed) {
            *failed = WIFEXITED(status) && WEXITSTATUS(status) == 2 ? FSR_ERR(EINTR) : FSR_ERR_INVALIDDATA;
            char range[160];
            if (msg[0])
                snprintf(err, err_size, "%s", msg);
            else
                snprintf(err, err_size, "%s: worker %s", seg_range(&p->segments[seg], range, sizeof(range)),
                         WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "failed");
        }
        return 0;
    }
    return 0;
}

int fsr_segments_run_local(FsrSegmentPlan *p, int workers, volatile sig_atomic_t *cancel,
                           void (*on_done)(void *, const FsrSegment *, const FsrReport *), void *opaque)
{
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (workers <= 0)
        workers = cores > 0 ? (int)cores : 1;
    if (workers > 256)
        workers = 256;
    const int threads = cores > workers ? (int)(cores / workers) : 1;
    remove_stale(p);
    fsr_segments_refresh(p);
    Worker w[256];
    memset(w, 0, sizeof(w));
    int running = 0, next = 0, failed = 0, ret = 0;
    char err[1024] = "";
    fflush(NULL);
    for (;;) {
        while (!failed && running < workers && !(cancel && *cancel)) {
            while (next < p->n_segments && p->segments[next].state == FSR_SEGMENT_DONE)
                next++;
            if (next >= p->n_segments)
                break;
            int k = 0;
            while (w[k].pid)
                k++;
            int fds[2];
            if (pipe(fds) < 0) {
                ret = fsr_error(FSR_ERR(errno), "pipe: %s", strerror(errno));
                failed = ret;
                break;
            }
            const pid_t pid = fork();
            if (pid == 0) {
                close(fds[0]);
                child_run(p, next, threads, cancel, fds[1]);
            }
            close(fds[1]);
            if (pid < 0) {
                close(fds[0]);
                ret = fsr_error(FSR_ERR(errno), "fork: %s", strerror(errno));
                failed = ret;
                break;
            }
            w[k] = (Worker){ .pid = pid, .segment = next, .fd = fds[0] };
            running++;
            next++;
        }
        if (!running)
            break;
        if (cancel && *cancel)
            for (int k = 0; k < workers; k++)
                if (w[k].pid)
                    kill(w[k].pid, SIGTERM);
        if ((ret = reap(p, w, workers, &running, err, sizeof(err), &failed, on_done, opaque)) < 0) {
            failed = ret;
            break;
        }
    }
    if (cancel && *cancel)
        return fsr_error(FSR_ERR(EINTR), "interrupted; finished segments are kept in %s", p->work_dir);
    if (failed)
        return fsr_error(failed, "%s", err[0] ? err : fsr_last_error());
    return 0;
}

/* ---- merge ---- */

/* Adds a segment's report (its JSON) to the total. */
static void add_report(FsrReport *t, const char *json)
{
    cJSON *o = read_json(json);
    if (!o)
        return;
    const cJSON *ft = cJSON_GetObjectItemCaseSensitive(o, "frames_by_type");
    const cJSON *bk = cJSON_GetObjectItemCaseSensitive(o, "blocks");
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(o, "seconds");
    const int64_t tr = json_i64(o, "transferred_frames", 0);
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "input_size");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(o, "output_size");
    t->in_w = json_int(in, "width", 0);
    t->in_h = json_int(in, "height", 0);
    t->out_w = json_int(out, "width", 0);
    t->out_h = json_int(out, "height", 0);
    const char *kf = json_str(o, "keyframes");
    if (kf)
        snprintf(t->fast.keyframes, sizeof(t->fast.keyframes), "%s", kf);
    t->frames += json_i64(o, "frames", 0);
    t->decode.decode_errors += json_i64(o, "decode_errors", 0);
    t->decode.corrupt_frames += json_i64(o, "corrupt_frames", 0);
    t->decode.outside_window += json_i64(o, "outside_window_frames", 0);
    t->decode.outside_upscaled += json_i64(o, "outside_window_upscaled", 0);
    t->decode.frames_i += json_i64(ft, "I", 0);
    t->decode.frames_p += json_i64(ft, "P", 0);
    t->decode.frames_b += json_i64(ft, "B", 0);
    t->sr.frames += json_i64(o, "sr_frames", 0);
    t->fast.transferred_frames += tr;
    t->fast.blocks_intra += json_i64(bk, "intra", 0);
    t->fast.blocks_skip += json_i64(bk, "skip", 0);
    t->fast.blocks_direct += json_i64(bk, "direct", 0);
    t->fast.blocks_inter += json_i64(bk, "inter", 0);
    t->fast.blocks_bi += json_i64(bk, "bi", 0);
    /* every transferred frame has the same area: the shares add up by it */
    const double area = (double)tr * t->in_w * t->in_h;
    t->fast.area_transferred += to_i64(area, 0);
    t->fast.area_fallback += to_i64(json_num(o, "fallback_share", 0) * area + 0.5, 0);
    t->fast.area_intra += to_i64(json_num(o, "intra_share", 0) * area + 0.5, 0);
    t->seconds.decode += json_num(sec, "decode", 0);
    t->seconds.sr += json_num(sec, "sr", 0);
    t->seconds.transfer += json_num(sec, "transfer", 0);
    t->seconds.upscale += json_num(sec, "upscale", 0);
    t->seconds.encode += json_num(sec, "encode", 0);
    t->seconds.total += json_num(sec, "total", 0);
    cJSON_Delete(o);
}

int fsr_segments_merge(FsrSegmentPlan *p, const char *output, int overwrite, FsrReport *total)
{
    if (!output)
        output = p->settings.output;
    if (total) {
        memset(total, 0, sizeof(*total));
        copy_str(total->input, sizeof(total->input), p->settings.input);
        copy_str(total->output, sizeof(total->output), output);
        total->mode = fsr_mode_name(p->settings.mode);
        total->scale = p->settings.scale;
    }
    const AVRational tb = { p->tb_num, p->tb_den };
    const char **segs = calloc((size_t)p->n_segments, sizeof(*segs));
    char *names = calloc((size_t)p->n_segments, WPATH);
    int64_t *starts = calloc((size_t)p->n_segments, sizeof(*starts));
    FsrSegmentFile *first = calloc(1, sizeof(*first)), *sf = calloc(1, sizeof(*sf));
    int ret = 0;
    if (!segs || !names || !starts || !first || !sf) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    for (int i = 0; i < p->n_segments; i++) {
        const FsrSegment *sg = &p->segments[i];
        char why[2 * PATH_MAX], range[160];
        if (!segment_check(p, i, why, sizeof(why))) {
            ret = fsr_error(FSR_ERR_INVALIDDATA, "%s is not done (%s); run it first", seg_range(sg, range,
                            sizeof(range)), why);
            goto end;
        }
        char *name = names + (size_t)i * WPATH;
        seg_path(p, i, "mp4", name, WPATH);
        segs[i] = name;
        starts[i] = sg->start_pts;
        if ((ret = fsr_segment_file_probe(i ? sf : first, name, tb)) < 0)
            goto end;
        if (i && (sf->width != first->width || sf->height != first->height ||
                  sf->extradata_size != first->extradata_size ||
                  memcmp(sf->extradata, first->extradata, (size_t)sf->extradata_size) ||
                  strcmp(sf->x264_options, first->x264_options))) {
            ret = fsr_error(FSR_ERR_INVALIDDATA, "%s was encoded with other settings than segment 0 (%s); "
                            "redo it", seg_range(sg, range, sizeof(range)),
                            sf->width != first->width || sf->height != first->height ? "size"
                            : strcmp(sf->x264_options, first->x264_options) ? "x264 options" : "SPS/PPS");
            goto end;
        }
    }
    if ((ret = fsr_remux_concat(p->settings.input, segs, starts, p->n_segments, output, overwrite)) < 0)
        goto end;
    if (total) {
        for (int i = 0; i < p->n_segments; i++) {
            char json[WPATH];
            seg_path(p, i, "json", json, sizeof(json));
            add_report(total, json);
        }
        total->seconds.upscale = total->seconds.sr + total->seconds.transfer;
        struct stat st;
        total->output_bytes = stat(output, &st) == 0 ? (int64_t)st.st_size : 0;
    }
end:
    free(segs);
    free(names);
    free(starts);
    free(first);
    free(sf);
    return ret;
}
