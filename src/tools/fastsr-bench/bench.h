/* fastsr-bench: one file per benchmark mode; main.c picks the mode from the
 * first option and hands it the remaining arguments. */
#ifndef FASTSR_BENCH_H
#define FASTSR_BENCH_H

/* --conv: convolution engine against the machine's FMA peak and oneDNN. */
int bench_conv(int argc, char **argv);
void bench_conv_usage(void);

/* --images DIR: PSNR-Y / SSIM-Y of bicubic or a model on an image set. */
int bench_images(int argc, char **argv);
void bench_images_usage(void);

/* --hr REF: FAST against per-frame SRCNN and bicubic on a video. */
int bench_video(int argc, char **argv);
void bench_video_usage(void);


#endif
