package io.forkyard.worker.handler;

import java.util.function.IntConsumer;

/**
 * An image as packed, non-premultiplied ARGB ints, row by row, and the operations of the {@code
 * image} job type on it. Plain arithmetic on the array: no AWT, so nothing here depends on a
 * display or on Java2D's native pipelines.
 *
 * <p>Colour mixing (resampling, blur) weights each colour by its alpha, which is premultiplied
 * arithmetic without storing premultiplied values: a transparent pixel contributes no colour. All
 * operations work on sRGB values as stored (no linearisation), as most image tools do.
 *
 * <p>Memory: an operation holds its input and output arrays (resample also a row-pass buffer of
 * newWidth × height); blur works in place with one line buffer.
 */
record Pixels(int width, int height, int[] argb, boolean hasAlpha) {

    Pixels {
        if ((long) width * height != argb.length) {
            throw new IllegalArgumentException(width + "×" + height + " does not match " + argb.length + " pixels");
        }
    }

    long count() {
        return (long) width * height;
    }

    /**
     * Replaces every colour by its Rec. 601 luma, {@code Y = 0.299 R + 0.587 G + 0.114 B} rounded,
     * keeping alpha.
     */
    Pixels grayscale() {
        int[] out = new int[argb.length];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            int y = (int) Math.round(0.299 * red(p) + 0.587 * green(p) + 0.114 * blue(p));
            out[i] = (p & 0xFF000000) | (y << 16) | (y << 8) | y;
        }
        return new Pixels(width, height, out, hasAlpha);
    }

    /**
     * Resamples to exactly {@code newWidth × newHeight} with a triangle (bilinear) filter whose
     * support widens with the reduction factor, so shrinking averages every source pixel instead
     * of skipping most of them (no aliasing). Separable: a row pass, then a column pass.
     *
     * @param rowsDone called with the number of rows finished in the current pass
     */
    Pixels resize(int newWidth, int newHeight, IntConsumer rowsDone) {
        Filter across = Filter.of(width, newWidth);
        Filter down = Filter.of(height, newHeight);
        int[] rowPass = new int[newWidth * height];
        for (int y = 0; y < height; y++) {
            across.apply(argb, y * width, 1, rowPass, y * newWidth, 1);
            rowsDone.accept(y);
        }
        int[] out = new int[newWidth * newHeight];
        for (int x = 0; x < newWidth; x++) {
            down.apply(rowPass, x, newWidth, out, x, newWidth);
        }
        return new Pixels(newWidth, newHeight, out, hasAlpha);
    }

    /**
     * Box blur: each pixel becomes the mean of the (2r+1) × (2r+1) square around it, edges
     * extended by repeating the border pixels, so a flat region stays exactly as it was. Two
     * running-sum passes (rows, then columns): the cost does not depend on the radius. Works in
     * place; each pass rounds, so a result can differ by 1 from the exact two-dimensional mean.
     */
    Pixels blur(int radius, IntConsumer rowsDone) {
        int[] line = new int[Math.max(width, height)];
        for (int y = 0; y < height; y++) {
            boxLine(argb, y * width, 1, width, radius, line);
            rowsDone.accept(y);
        }
        for (int x = 0; x < width; x++) {
            boxLine(argb, x, width, height, radius, line);
        }
        return this;
    }

    /** Box-blurs the {@code length} pixels at {@code start}, {@code start + stride}, … in place. */
    private static void boxLine(int[] pixels, int start, int stride, int length, int radius, int[] line) {
        for (int i = 0; i < length; i++) {
            line[i] = pixels[start + i * stride];
        }
        Sums window = new Sums();
        for (int k = -radius; k <= radius; k++) {
            window.add(line[clamp(k, length)], 1);
        }
        int size = 2 * radius + 1;
        for (int i = 0; i < length; i++) {
            pixels[start + i * stride] = window.mean(size);
            window.add(line[clamp(i + radius + 1, length)], 1);
            window.add(line[clamp(i - radius, length)], -1);
        }
    }

    private static int clamp(int i, int length) {
        return i < 0 ? 0 : i >= length ? length - 1 : i;
    }

    static int alpha(int p) {
        return p >>> 24;
    }

    static int red(int p) {
        return (p >> 16) & 0xFF;
    }

    static int green(int p) {
        return (p >> 8) & 0xFF;
    }

    static int blue(int p) {
        return p & 0xFF;
    }

    /** Alpha-weighted sums of pixels: Σw·a and Σw·a·c per colour channel. */
    private static final class Sums {
        private double a;
        private double r;
        private double g;
        private double b;

        void add(int p, double weight) {
            double wa = weight * alpha(p);
            a += wa;
            r += wa * red(p);
            g += wa * green(p);
            b += wa * blue(p);
        }

        /** The pixel these sums average to, given the total weight. */
        int mean(double totalWeight) {
            int alpha = channel(a / totalWeight);
            if (a <= 1e-9) {
                return alpha << 24;
            }
            return (alpha << 24) | (channel(r / a) << 16) | (channel(g / a) << 8) | channel(b / a);
        }

        private static int channel(double v) {
            long rounded = Math.round(v);
            return rounded < 0 ? 0 : rounded > 255 ? 255 : (int) rounded;
        }
    }

    /**
     * The weights of one axis of a resample: for each output position, the first source index and
     * the normalised weights of the source pixels it mixes.
     */
    private record Filter(int[] first, double[][] weights) {

        /** The source pixel nearest the centre is always within the support, so no total is 0. */
        static Filter of(int from, int to) {
            double scale = (double) from / to;
            double support = Math.max(1.0, scale);
            int[] first = new int[to];
            double[][] weights = new double[to][];
            for (int o = 0; o < to; o++) {
                double centre = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(centre - support));
                int hi = Math.min(from, (int) Math.ceil(centre + support));
                double[] w = new double[hi - lo];
                double total = 0;
                for (int s = lo; s < hi; s++) {
                    double distance = Math.abs(s + 0.5 - centre) / support;
                    w[s - lo] = Math.max(0.0, 1.0 - distance);
                    total += w[s - lo];
                }
                for (int k = 0; k < w.length; k++) {
                    w[k] /= total;
                }
                first[o] = lo;
                weights[o] = w;
            }
            return new Filter(first, weights);
        }

        void apply(int[] src, int srcStart, int srcStride, int[] dst, int dstStart, int dstStride) {
            for (int o = 0; o < first.length; o++) {
                double[] w = weights[o];
                Sums sums = new Sums();
                int s = srcStart + first[o] * srcStride;
                for (int k = 0; k < w.length; k++, s += srcStride) {
                    if (w[k] != 0) {
                        sums.add(src[s], w[k]);
                    }
                }
                dst[dstStart + o * dstStride] = sums.mean(1.0);
            }
        }
    }
}
