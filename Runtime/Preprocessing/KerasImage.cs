using System;

namespace Xception.Compiler.Runtime.Preprocessing;

/// <summary>The resampling filters of Keras's <c>load_img(..., interpolation=...)</c> that are offered here.</summary>
public enum KerasInterpolation
{
    /// <summary>Keras's default, <c>'nearest'</c>: PIL's <c>Image.NEAREST</c>.</summary>
    Nearest,

    /// <summary><c>'bilinear'</c>: PIL's <c>Image.BILINEAR</c>, a triangle filter widened when downscaling (antialiased).</summary>
    Bilinear,
}

/// <summary>
/// What Keras does to an image file before a model sees it, on already decoded pixels:
/// <c>keras.utils.load_img(path, target_size=(h, w))</c>, which converts to RGB and resizes through PIL,
/// then <c>preprocess_input</c> in mode 'tf' (<c>x / 127.5 - 1</c>).
/// </summary>
/// <remarks>
/// The resize reproduces Pillow's integer arithmetic (Pillow 9.4 was the reference; its algorithms have
/// been stable since Pillow 4.x): nearest picks source pixel <c>floor((x + 0.5) · in / out)</c>, accumulated
/// in double as Pillow's <c>ImagingScaleAffine</c> does; bilinear is Pillow's separable convolution
/// (<c>Resample.c</c>): a triangle filter whose support grows with the downscale factor, weights normalised
/// per output pixel and rounded to 22-bit fixed point, a horizontal pass rounded to bytes, then a vertical one.
/// </remarks>
public static class KerasImage
{
    // Pillow's fixed-point precision for 8-bit resampling: 32 bits less 8 for the sample and 2 for headroom.
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>
    /// Resizes, converts and preprocesses one image into <paramref name="destination"/>: NHWC float32 of
    /// <paramref name="targetHeight"/>·<paramref name="targetWidth"/>·3 values in [-1, 1].
    /// </summary>
    /// <param name="pixels">Interleaved 8-bit pixels, row-major, <paramref name="channels"/> per pixel.</param>
    /// <param name="channels">1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA).</param>
    public static void LoadInput(
        ReadOnlySpan<byte> pixels,
        int width,
        int height,
        int channels,
        int targetWidth,
        int targetHeight,
        KerasInterpolation interpolation,
        Span<float> destination)
    {
        LoadInput(pixels, width, height, channels, targetWidth, targetHeight, interpolation, ImagePreprocessing.Tf, destination);
    }

    /// <summary>
    /// <see cref="LoadInput(ReadOnlySpan{byte}, int, int, int, int, int, KerasInterpolation, Span{float})"/> with the
    /// preprocessing of another application (<see cref="KerasPreprocessing.Apply"/>).
    /// </summary>
    public static void LoadInput(
        ReadOnlySpan<byte> pixels,
        int width,
        int height,
        int channels,
        int targetWidth,
        int targetHeight,
        KerasInterpolation interpolation,
        ImagePreprocessing preprocessing,
        Span<float> destination)
    {
        byte[] rgb = ToRgb(pixels, width, height, channels);
        byte[] resized = Resize(rgb, width, height, targetWidth, targetHeight, interpolation);
        KerasPreprocessing.Apply(preprocessing, resized, destination);
    }

    /// <summary>
    /// PIL's <c>convert('RGB')</c> of an 8-bit image: grey is repeated into R, G and B; alpha is dropped
    /// (not composited over a background); RGB is copied.
    /// </summary>
    public static byte[] ToRgb(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (channels is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Expected 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels.");
        }

        int count = CheckImage(pixels.Length, width, height, channels, nameof(pixels));
        var rgb = new byte[count * 3];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> pixel = pixels.Slice(i * channels, channels);
            if (channels <= 2)
            {
                rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = pixel[0];
            }
            else
            {
                rgb[3 * i] = pixel[0];
                rgb[3 * i + 1] = pixel[1];
                rgb[3 * i + 2] = pixel[2];
            }
        }

        return rgb;
    }

    /// <summary>
    /// PIL's <c>Image.resize((targetWidth, targetHeight), filter)</c> of an RGB8 image (HWC bytes), as
    /// <c>load_img</c> calls it; an image already of the target size is returned as a copy, unchanged.
    /// </summary>
    public static byte[] Resize(
        ReadOnlySpan<byte> rgb,
        int width,
        int height,
        int targetWidth,
        int targetHeight,
        KerasInterpolation interpolation = KerasInterpolation.Nearest)
    {
        CheckImage(rgb.Length, width, height, 3, nameof(rgb));
        if (targetWidth < 1 || targetHeight < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(targetWidth), $"The target size must be positive, found {targetWidth}×{targetHeight}.");
        }

        if (width == targetWidth && height == targetHeight)
        {
            return rgb.ToArray();
        }

        return interpolation switch
        {
            KerasInterpolation.Nearest => ResizeNearest(rgb, width, height, targetWidth, targetHeight),
            KerasInterpolation.Bilinear => ResizeBilinear(rgb, width, height, targetWidth, targetHeight),
            _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Unknown interpolation."),
        };
    }

    /// <summary>Keras's <c>preprocess_input</c>, mode 'tf': every byte <c>x</c> becomes <c>x / 127.5 - 1</c>.</summary>
    public static void Preprocess(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        if (destination.Length != pixels.Length)
        {
            throw new ArgumentException(
                $"Expected a destination of {pixels.Length} floats (one per byte), found {destination.Length}.", nameof(destination));
        }

        for (int i = 0; i < pixels.Length; i++)
        {
            // Keras computes in float32: x /= 127.5; x -= 1.
            destination[i] = pixels[i] / 127.5f - 1f;
        }
    }

    private static byte[] ResizeNearest(ReadOnlySpan<byte> rgb, int width, int height, int targetWidth, int targetHeight)
    {
        // Pillow maps output pixel centres through the affine scale and truncates, accumulating the
        // position in double; repeating the same sums keeps the same picks at exact .0 boundaries.
        double xScale = (double)width / targetWidth;
        double yScale = (double)height / targetHeight;
        var sourceX = new int[targetWidth];
        double xo = xScale * 0.5;
        for (int x = 0; x < targetWidth; x++)
        {
            sourceX[x] = Math.Min((int)xo, width - 1);
            xo += xScale;
        }

        var output = new byte[targetWidth * targetHeight * 3];
        double yo = yScale * 0.5;
        for (int y = 0; y < targetHeight; y++)
        {
            int sourceRow = Math.Min((int)yo, height - 1) * width * 3;
            int outputRow = y * targetWidth * 3;
            for (int x = 0; x < targetWidth; x++)
            {
                int from = sourceRow + sourceX[x] * 3;
                int to = outputRow + x * 3;
                output[to] = rgb[from];
                output[to + 1] = rgb[from + 1];
                output[to + 2] = rgb[from + 2];
            }

            yo += yScale;
        }

        return output;
    }

    private static byte[] ResizeBilinear(ReadOnlySpan<byte> rgb, int width, int height, int targetWidth, int targetHeight)
    {
        // Horizontal pass first, rounded to bytes, then vertical, as Pillow does.
        byte[] rows = width == targetWidth
            ? rgb.ToArray()
            : ResampleHorizontal(rgb, width, height, Coefficients(width, targetWidth));
        return height == targetHeight
            ? rows
            : ResampleVertical(rows, targetWidth, Coefficients(height, targetHeight));
    }

    private static byte[] ResampleHorizontal(ReadOnlySpan<byte> input, int width, int height, FilterTaps taps)
    {
        int outWidth = taps.OutputSize;
        var output = new byte[outWidth * height * 3];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = input.Slice(y * width * 3, width * 3);
            for (int x = 0; x < outWidth; x++)
            {
                ReadOnlySpan<int> weights = taps.Weights(x);
                int first = taps.First[x];
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                for (int k = 0; k < weights.Length; k++)
                {
                    int at = (first + k) * 3;
                    r += row[at] * weights[k];
                    g += row[at + 1] * weights[k];
                    b += row[at + 2] * weights[k];
                }

                int to = (y * outWidth + x) * 3;
                output[to] = Clip8(r);
                output[to + 1] = Clip8(g);
                output[to + 2] = Clip8(b);
            }
        }

        return output;
    }

    private static byte[] ResampleVertical(byte[] input, int width, FilterTaps taps)
    {
        int outHeight = taps.OutputSize;
        int stride = width * 3;
        var output = new byte[stride * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            ReadOnlySpan<int> weights = taps.Weights(y);
            int first = taps.First[y];
            for (int i = 0; i < stride; i++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int k = 0; k < weights.Length; k++)
                {
                    sum += input[(first + k) * stride + i] * weights[k];
                }

                output[y * stride + i] = Clip8(sum);
            }
        }

        return output;
    }

    private static byte Clip8(int sum)
    {
        int value = sum >> PrecisionBits;
        return (byte)(value < 0 ? 0 : value > 255 ? 255 : value);
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> for the bilinear (triangle, support 1) filter, then its 8-bit normalisation.</summary>
    private static FilterTaps Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale;
        int maxTaps = (int)Math.Ceiling(support) * 2 + 1;

        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * maxTaps];
        var exact = new double[maxTaps];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double total = 0.0;
            for (int k = 0; k < xmax; k++)
            {
                double w = Triangle((k + xmin - center + 0.5) / filterScale);
                exact[k] = w;
                total += w;
            }

            for (int k = 0; k < xmax; k++)
            {
                double w = total != 0.0 ? exact[k] / total : exact[k];
                weights[o * maxTaps + k] = w < 0
                    ? (int)(-0.5 + w * (1 << PrecisionBits))
                    : (int)(0.5 + w * (1 << PrecisionBits));
            }

            first[o] = xmin;
            count[o] = xmax;
        }

        return new FilterTaps(outSize, maxTaps, first, count, weights);
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static int CheckImage(int length, int width, int height, int channels, string name)
    {
        if (width < 1 || height < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"The image size must be positive, found {width}×{height}.");
        }

        long count = (long)width * height;
        if (length != count * channels)
        {
            throw new ArgumentException(
                $"Expected {count * channels} bytes for a {width}×{height} image with {channels} channel(s), found {length}.", name);
        }

        return (int)count;
    }

    /// <summary>Per output position: the first source index and the fixed-point weights of the taps from there.</summary>
    private sealed class FilterTaps(int outputSize, int stride, int[] first, int[] count, int[] weights)
    {
        public int OutputSize { get; } = outputSize;

        public int[] First { get; } = first;

        public ReadOnlySpan<int> Weights(int position) => weights.AsSpan(position * stride, count[position]);
    }
}
