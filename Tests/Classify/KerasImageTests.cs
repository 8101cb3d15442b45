using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Sample.Images;

namespace Xception.Compiler.Tests.Classify;

/// <summary>
/// <see cref="KerasImage"/> against Pillow 9.4's <c>Image.resize</c> (what Keras's <c>load_img</c> calls),
/// on PIL's own decoded pixels so that decoder differences stay out of these comparisons.
/// </summary>
public sealed class KerasImageTests
{
    public static TheoryData<string, string> ResizeCases()
    {
        var cases = new TheoryData<string, string>();
        foreach ((string image, string[] sizes) in new (string, string[])[]
        {
            ("noise_37x23", ["299x299", "17x11", "64x9", "300x310"]),
            ("gradient_640x480", ["299x299", "17x11", "64x9"]),
            ("rgba_40x30", ["17x11", "64x9"]),
            ("gray_64x48", ["17x11", "299x299"]),
            ("photo_160x120", ["17x11"]),
            ("noise_24x16", ["17x11"]),
        })
        {
            foreach (string size in sizes)
            {
                cases.Add(image, "nearest_" + size);
                cases.Add(image, "bilinear_" + size);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_MatchesPillowExactly(string image, string key)
    {
        IReadOnlyDictionary<string, ByteImage> reference = PillowReference.Read(image);
        (byte[] rgb, int width, int height) = Source(image, reference);
        ByteImage expected = reference[key];
        KerasInterpolation interpolation = key.StartsWith("nearest", StringComparison.Ordinal) ? KerasInterpolation.Nearest : KerasInterpolation.Bilinear;

        byte[] actual = KerasImage.Resize(rgb, width, height, expected.Width, expected.Height, interpolation);

        Assert.Equal(expected.Pixels.Length, actual.Length);
        int mismatches = 0, worst = 0, firstAt = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            int difference = Math.Abs(actual[i] - expected.Pixels[i]);
            if (difference != 0)
            {
                mismatches++;
                worst = Math.Max(worst, difference);
                firstAt = firstAt < 0 ? i : firstAt;
            }
        }

        Assert.True(mismatches == 0,
            $"{image} {key}: {mismatches} of {actual.Length} bytes differ from Pillow (largest {worst}, first at byte {firstAt}).");
    }

    [Fact]
    public void ToRgb_Rgba_DropsAlphaLikePilConvert()
    {
        IReadOnlyDictionary<string, ByteImage> reference = PillowReference.Read("rgba_40x30");
        byte[] rgba = ImageDecoder.DecodeRgba(PillowReference.ImagePath("rgba_40x30.png"), out int width, out int height);

        byte[] rgb = KerasImage.ToRgb(rgba, width, height, 4);

        Assert.Equal(reference["decoded"].Pixels, rgb);
    }

    [Fact]
    public void ToRgb_Grey_RepeatsTheLevel()
    {
        byte[] rgb = KerasImage.ToRgb([0, 7, 255, 128], 2, 2, 1);
        Assert.Equal(new byte[] { 0, 0, 0, 7, 7, 7, 255, 255, 255, 128, 128, 128 }, rgb);
        Assert.Equal(new byte[] { 9, 9, 9 }, KerasImage.ToRgb([9, 200], 1, 1, 2));
    }

    [Fact]
    public void Resize_SameSize_ReturnsThePixelsUnchanged()
    {
        byte[] rgb = Enumerable.Range(0, 4 * 3 * 3).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(rgb, KerasImage.Resize(rgb, 4, 3, 4, 3, KerasInterpolation.Bilinear));
        Assert.Equal(rgb, KerasImage.Resize(rgb, 4, 3, 4, 3, KerasInterpolation.Nearest));
    }

    [Fact]
    public void Resize_WrongLength_NamesExpectedAndFound()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasImage.Resize(new byte[10], 2, 2, 1, 1));
        Assert.Contains("12 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("found 10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preprocess_MapsBytesLikeKerasTfMode()
    {
        var x = new float[4];
        KerasImage.Preprocess([0, 255, 128, 51], x);

        Assert.Equal(-1f, x[0]);
        Assert.Equal(1f, x[1]);
        // numpy float32: np.float32(128) / np.float32(127.5) - np.float32(1)
        Assert.Equal(128f / 127.5f - 1f, x[2]);
        Assert.Equal(0.003921628f, x[2], 1e-7f);
        Assert.Equal(-0.6f, x[3], 1e-6f);
    }

    [Fact]
    public void LoadInput_ResizesAndPreprocessesIntoNhwc()
    {
        IReadOnlyDictionary<string, ByteImage> reference = PillowReference.Read("gray_64x48");
        ByteImage grey = reference["decoded"];
        byte[] levels = new byte[grey.Width * grey.Height];
        for (int i = 0; i < levels.Length; i++)
        {
            levels[i] = grey.Pixels[3 * i];
        }

        var input = new float[299 * 299 * 3];
        KerasImage.LoadInput(levels, grey.Width, grey.Height, 1, 299, 299, KerasInterpolation.Bilinear, input);

        byte[] expected = reference["bilinear_299x299"].Pixels;
        for (int i = 0; i < input.Length; i++)
        {
            Assert.Equal(expected[i] / 127.5f - 1f, input[i]);
        }
    }

    /// <summary>The resize input: PIL's decoded pixels, or for the large lossless PNG (not stored twice) the decoded file.</summary>
    private static (byte[] Rgb, int Width, int Height) Source(string image, IReadOnlyDictionary<string, ByteImage> reference)
    {
        if (reference.TryGetValue("decoded", out ByteImage? decoded))
        {
            return (decoded.Pixels, decoded.Width, decoded.Height);
        }

        RgbImage png = ImageDecoder.Decode(PillowReference.ImagePath(image + ".png"));
        return (png.Pixels, png.Width, png.Height);
    }
}
