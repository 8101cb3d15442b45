using System;
using System.Globalization;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Reliability;

/// <summary>
/// The Predict overloads that take the batch the caller means (mini 71×71 model, Cpu backend): images of the
/// wrong size are an error naming the expected and the found length, even when the floats happen to make up a
/// whole number of images; the right batch gives the same bits as the overloads that infer it.
/// </summary>
public sealed class StatedBatchTests : IDisposable
{
    private const int Length = MiniXception71.InputLength;

    private readonly MiniXception71 _model = MiniXception71.Load(
        TestPaths.Fixture("mini_xception_w0125_top10.h5"), new InferenceOptions { Backend = Backend.Cpu, Threads = 2, MaxBatch = 2 });

    private readonly float[] _images = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;

    public void Dispose() => _model.Dispose();

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Fact]
    public void RightBatch_GivesTheSameBitsAsTheInferredBatch_InBothOverloads()
    {
        float[] three = _images.Concat(_images.AsSpan(0, Length).ToArray()).ToArray();
        float[] inferred = _model.Predict(three);

        float[] stated = _model.Predict(three, batch: 3);
        var into = new float[3 * MiniXception71.OutputLength];
        _model.Predict(three, into, batch: 3);

        Assert.Equal(3 * MiniXception71.OutputLength, inferred.Length);
        Assert.Equal(Bits(inferred), Bits(stated));
        Assert.Equal(Bits(inferred), Bits(into));
    }

    [Theory]
    [InlineData(48, 48, 32)] // the trap: 32 images of another size, no whole number of 71×71 images
    [InlineData(71, 71, 3)]  // whole images, but not the batch stated (2)
    [InlineData(71, 71, 1)]
    [InlineData(64, 64, 2)]
    public void WrongImageSizeOrCount_IsAnArgumentExceptionNamingExpectedAndFound(int height, int width, int images)
    {
        int batch = height == 48 ? 32 : 2;
        var input = new float[images * height * width * 3];
        var output = new float[batch * MiniXception71.OutputLength];

        var returning = Assert.Throws<ArgumentException>(() => _model.Predict(input, batch));
        var into = Assert.Throws<ArgumentException>(() => _model.Predict(input, output, batch));

        foreach (ArgumentException ex in new[] { returning, into })
        {
            Assert.Equal("input", ex.ParamName);
            Assert.Contains(Text(batch) + " images × 71×71×3 (NHWC) = " + Text((long)batch * Length) + " floats", ex.Message, StringComparison.Ordinal);
            Assert.Contains("found " + Text(input.Length) + " floats", ex.Message, StringComparison.Ordinal);
        }

        // The overload without the batch runs the same floats as whatever whole number of images they make.
        if (input.Length % Length == 0)
        {
            Assert.Equal(input.Length / Length * MiniXception71.OutputLength, _model.Predict(input).Length);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void BatchBelowOne_IsOutOfRange(int batch)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _model.Predict(ReadOnlySpan<float>.Empty, batch));
        Assert.Equal("batch", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.Predict(ReadOnlySpan<float>.Empty, Span<float>.Empty, batch));
    }

    [Fact]
    public void RightInputButWrongOutputLength_NamesTheOutput()
    {
        var ex = Assert.Throws<ArgumentException>(() => _model.Predict(_images, new float[MiniXception71.OutputLength], batch: 2));
        Assert.Equal("output", ex.ParamName);
        Assert.Contains(Text(2 * MiniXception71.OutputLength), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThroughTheInterface_TheLengthsAreTheClassConstants_AndTheBatchOverloadChecks()
    {
        ICompiledModel model = _model;
        Assert.Equal(MiniXception71.InputLength, model.InputLength);
        Assert.Equal(MiniXception71.OutputLength, model.OutputLength);
        Assert.Equal(Bits(_model.Predict(_images)), Bits(model.Predict(_images, batch: 2)));
        Assert.Throws<ArgumentException>(() => model.Predict(_images, batch: 1));
    }

    [Fact]
    public void AfterDispose_TheBatchOverloadsThrowObjectDisposed()
    {
        _model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _model.Predict(_images, batch: 2));
        Assert.Throws<ObjectDisposedException>(() => _model.Predict(_images, new float[2 * MiniXception71.OutputLength], batch: 2));
    }
}
