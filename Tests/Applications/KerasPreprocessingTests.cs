using System;
using Xception.Compiler.Runtime.Preprocessing;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// Every preprocessing mode against naive float64 arithmetic of keras/src/applications/imagenet_utils.py
/// <c>_preprocess_numpy_input</c> (channels last), on every byte value in every channel.
/// </summary>
public sealed class KerasPreprocessingTests
{
    // Keras computes in float32: a few ulps of the result (tf, torch, none), or for caffe of the operands
    // (the float32 means are off by up to 3.8e-6, a float32 near 128 by 7.6e-6), whatever the result's size.
    private const double RelativeTolerance = 1e-6;
    private const double CaffeTolerance = 2e-5;

    [Theory]
    [InlineData(ImagePreprocessing.Tf)]
    [InlineData(ImagePreprocessing.Caffe)]
    [InlineData(ImagePreprocessing.Torch)]
    [InlineData(ImagePreprocessing.None)]
    public void EveryByteInEveryChannel_MatchesKerasFormulaInFloat64(ImagePreprocessing mode)
    {
        // 256 pixels: pixel p holds (p, 255 - p, (7p) mod 256), so every byte value meets every channel.
        byte[] rgb = new byte[256 * 3];
        for (int p = 0; p < 256; p++)
        {
            rgb[3 * p] = (byte)p;
            rgb[3 * p + 1] = (byte)(255 - p);
            rgb[3 * p + 2] = (byte)(7 * p % 256);
        }

        float[] actual = new float[rgb.Length];
        KerasPreprocessing.Apply(mode, rgb, actual);

        for (int p = 0; p < 256; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                double expected = Reference(mode, rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], c);
                double error = Math.Abs(actual[3 * p + c] - expected);
                double tolerance = mode == ImagePreprocessing.Caffe ? CaffeTolerance : RelativeTolerance * Math.Max(1.0, Math.Abs(expected));
                Assert.True(
                    error <= tolerance,
                    $"{mode}, pixel {p}, channel {c}: expected {expected}, found {actual[3 * p + c]}");
            }
        }
    }

    [Fact]
    public void Caffe_SwapsToBgr_AndSubtractsTheBgrMean()
    {
        float[] actual = new float[3];
        KerasPreprocessing.Apply(ImagePreprocessing.Caffe, new byte[] { 10, 20, 200 }, actual);

        Assert.Equal(200 - 103.939, actual[0], 4);
        Assert.Equal(20 - 116.779, actual[1], 4);
        Assert.Equal(10 - 123.68, actual[2], 4);
    }

    [Fact]
    public void Tf_IsTheExistingXceptionPreprocessing_BitForBit()
    {
        byte[] rgb = new byte[256 * 3];
        for (int i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)(i * 31 % 256);
        }

        float[] viaMode = new float[rgb.Length];
        float[] viaXception = new float[rgb.Length];
        KerasPreprocessing.Apply(ImagePreprocessing.Tf, rgb, viaMode);
        KerasImage.Preprocess(rgb, viaXception);

        Assert.Equal(viaXception, viaMode);
    }

    [Fact]
    public void WrongLengths_ThrowNamingBoth()
    {
        var tooShort = Assert.Throws<ArgumentException>(() => KerasPreprocessing.Apply(ImagePreprocessing.Torch, new byte[6], new float[3]));
        Assert.Contains("6 floats", tooShort.Message, StringComparison.Ordinal);
        Assert.Contains("found 3", tooShort.Message, StringComparison.Ordinal);
        var notRgb = Assert.Throws<ArgumentException>(() => KerasPreprocessing.Apply(ImagePreprocessing.Caffe, new byte[4], new float[4]));
        Assert.Contains("found 4 bytes", notRgb.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ImagePreprocessing.Tf, "tf")]
    [InlineData(ImagePreprocessing.Caffe, "caffe")]
    [InlineData(ImagePreprocessing.Torch, "torch")]
    [InlineData(ImagePreprocessing.None, "none")]
    public void Name_IsTheDescriptionValue(ImagePreprocessing mode, string name) => Assert.Equal(name, KerasPreprocessing.Name(mode));

    private static double Reference(ImagePreprocessing mode, byte r, byte g, byte b, int channel)
    {
        double[] x = { r, g, b };
        switch (mode)
        {
            case ImagePreprocessing.Tf:
                return x[channel] / 127.5 - 1.0;
            case ImagePreprocessing.Caffe:
                double[] bgr = { x[2], x[1], x[0] };
                double[] mean = { 103.939, 116.779, 123.68 };
                return bgr[channel] - mean[channel];
            case ImagePreprocessing.Torch:
                double[] torchMean = { 0.485, 0.456, 0.406 };
                double[] torchStd = { 0.229, 0.224, 0.225 };
                return (x[channel] / 255.0 - torchMean[channel]) / torchStd[channel];
            default:
                return x[channel];
        }
    }
}
