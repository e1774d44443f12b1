#include "chapters.h"

#include <errno.h>

#include <libavutil/mem.h>

#include "log.h"

int fsr_copy_chapters(AVFormatContext *out, const AVFormatContext *in)
{
    if (!in || !in->nb_chapters)
        return 0;
    /* libavformat has no public call that adds a chapter: the array is the
     * context's, freed by avformat_free_context with its entries */
    AVChapter **chapters = av_realloc_array(out->chapters, out->nb_chapters + in->nb_chapters, sizeof(*chapters));
    if (!chapters)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    out->chapters = chapters;
    for (unsigned i = 0; i < in->nb_chapters; i++) {
        const AVChapter *ic = in->chapters[i];
        AVChapter *oc = av_mallocz(sizeof(*oc));
        if (!oc)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        oc->id = ic->id;
        oc->time_base = ic->time_base;
        oc->start = ic->start;
        oc->end = ic->end;
        out->chapters[out->nb_chapters++] = oc;
        if (av_dict_copy(&oc->metadata, ic->metadata, 0) < 0)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    return 0;
}

int fsr_is_chapter_track(const AVFormatContext *in, unsigned i)
{
    const AVCodecParameters *par = in->streams[i]->codecpar;
    return in->nb_chapters && par->codec_type == AVMEDIA_TYPE_DATA && par->codec_tag == MKTAG('t', 'e', 'x', 't');
}
