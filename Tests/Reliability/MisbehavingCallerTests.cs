using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Reliability;

/// <summary>
/// Callers that misbehave, on the mini 71×71 model (Cpu backend): wrong lengths, NaN and infinite inputs,
/// use after Dispose, and one instance shared by many threads (Predict is serialised by a lock, so every
/// concurrent result must equal the serial result bit for bit).
/// </summary>
public sealed class MisbehavingCallerTests : IDisposable
{
    private const string Weights = "mini_xception_w0125_top10.h5";
    private const int Length = MiniXception71.InputLength;

    private readonly MiniXception71 _model = MiniXception71.Load(TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Threads = 2 });
    private readonly float[] _images = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;

    public void Dispose() => _model.Dispose();

    private float[] Image(int i) => _images.AsSpan(i * Length, Length).ToArray();

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();

    /// <summary>Eight distinct images: the two fixture images, mirrored and scaled, so that mixed-up buffers show.</summary>
    private float[][] EightImages()
    {
        var images = new float[8][];
        for (int i = 0; i < 8; i++)
        {
            float[] source = Image(i % 2);
            float scale = 1f - 0.1f * (i / 2);
            images[i] = (i / 2 % 2 == 0 ? source : source.Reverse().ToArray()).Select(v => v * scale).ToArray();
        }

        return images;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Length - 1)]
    [InlineData(Length + 1)]
    [InlineData(2 * Length - 1)]
    public void Predict_WrongInputLength_ThrowsArgumentException_AndTheModelStillWorks(int length)
    {
        float[] before = _model.Predict(Image(0));

        var ex = Assert.Throws<ArgumentException>(() => _model.Predict(new float[length]));

        Assert.Equal("input", ex.ParamName);
        Assert.Contains(Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Equal(Bits(before), Bits(_model.Predict(Image(0))));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(MiniXception71.OutputLength - 1)]
    [InlineData(MiniXception71.OutputLength + 1)]
    public void PredictIntoSpan_WrongOutputLength_ThrowsArgumentException(int outputLength)
    {
        Assert.Throws<ArgumentException>(() => _model.Predict(Image(0), new float[outputLength]));
    }

    [Fact]
    public void Trace_WithABatchOrNoObserver_Throws()
    {
        Assert.Throws<ArgumentException>(() => _model.Trace(_images, (_, _, _, _) => { }));
        Assert.Throws<ArgumentNullException>(() => _model.Trace(Image(0), null!));
    }

    [Fact]
    public void NaNPixel_MakesEveryOutputOfThatImageNaN_AndLeavesTheOtherImagesOfTheBatchBitIdentical()
    {
        float[] clean1 = _model.Predict(Image(1));
        float[] poisoned = Image(0);
        poisoned[Length / 2] = float.NaN;

        float[] batch = _model.Predict(poisoned.Concat(Image(1)).ToArray());

        Assert.All(batch.Take(MiniXception71.OutputLength), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(Bits(clean1), Bits(batch.Skip(MiniXception71.OutputLength).ToArray()));
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void InfinitePixel_MakesEveryOutputOfThatImageNaN_AndLeavesTheOtherImagesOfTheBatchBitIdentical(float value)
    {
        float[] clean1 = _model.Predict(Image(1));
        float[] poisoned = Image(0);
        poisoned[Length / 3] = value;

        float[] batch = _model.Predict(poisoned.Concat(Image(1)).ToArray());

        Assert.All(batch.Take(MiniXception71.OutputLength), v => Assert.True(float.IsNaN(v), "expected NaN, found " + v));
        Assert.Equal(Bits(clean1), Bits(batch.Skip(MiniXception71.OutputLength).ToArray()));
    }

    [Fact]
    public void AfterDispose_PredictAndTraceThrowObjectDisposed_AndDisposeTwiceIsHarmless()
    {
        var model = MiniXception71.Load(TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu });
        model.Dispose();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Predict(Image(0)));
        Assert.Throws<ObjectDisposedException>(() => model.Predict(Image(0), new float[MiniXception71.OutputLength]));
        Assert.Throws<ObjectDisposedException>(() => model.Trace(Image(0), (_, _, _, _) => { }));
        Assert.Throws<ObjectDisposedException>(() => model.Predict(new float[3]));
        model.Dispose();
    }

    [Fact]
    public void EightThreadsPredictingOnOneInstance_EveryResultEqualsTheSerialResultBitForBit()
    {
        float[][] images = EightImages();
        uint[][] serial = images.Select(image => Bits(_model.Predict(image))).ToArray();
        Assert.Equal(8, serial.Select(s => string.Join(",", s)).Distinct().Count());

        var mismatches = new ConcurrentBag<string>();
        using var start = new Barrier(8);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 6; round++)
            {
                int which = (thread + round) % 8;
                float[] result = round % 2 == 0 ? _model.Predict(images[which]) : PredictInto(images[which]);
                if (!Bits(result).SequenceEqual(serial[which]))
                {
                    mismatches.Add("thread " + thread + " round " + round + " image " + which);
                }
            }
        });

        Assert.Empty(mismatches);
    }

    private float[] PredictInto(float[] image)
    {
        var output = new float[MiniXception71.OutputLength];
        _model.Predict(image, output);
        return output;
    }

    [Fact]
    public async Task TraceOnOneThreadWhilePredictRunsOnOthers_TraceAndPredictResultsEqualSerialRuns()
    {
        float[][] images = EightImages();
        uint[][] serial = images.Select(image => Bits(_model.Predict(image))).ToArray();
        List<(int Step, string Layer, uint[] Values)> serialTrace = TraceOf(images[3]);

        var mismatches = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        Task[] predictors = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int round = 0; !stop.IsCancellationRequested || round < 2; round++)
            {
                int which = (t + round) % 8;
                if (!Bits(_model.Predict(images[which])).SequenceEqual(serial[which]))
                {
                    mismatches.Add("predict thread " + t + " image " + which);
                }
            }
        })).ToArray();

        for (int i = 0; i < 3; i++)
        {
            List<(int Step, string Layer, uint[] Values)> trace = TraceOf(images[3]);
            Assert.Equal(serialTrace.Count, trace.Count);
            for (int s = 0; s < trace.Count; s++)
            {
                Assert.Equal(serialTrace[s].Layer, trace[s].Layer);
                Assert.True(serialTrace[s].Values.SequenceEqual(trace[s].Values), "trace step " + s + " (" + trace[s].Layer + ") differs");
            }
        }

        stop.Cancel();
        await Task.WhenAll(predictors);
        Assert.Empty(mismatches);
    }

    private List<(int Step, string Layer, uint[] Values)> TraceOf(float[] image)
    {
        var steps = new List<(int, string, uint[])>();
        float[] output = _model.Trace(image, (step, layer, _, values) => steps.Add((step, layer, Bits(values.ToArray()))));
        steps.Add((-1, "(output)", Bits(output)));
        return steps;
    }

    [Fact]
    public async Task DisposeWhilePredictsRun_EachPredictEitherCompletesCorrectlyOrThrowsObjectDisposed()
    {
        var model = MiniXception71.Load(TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Threads = 1 });
        float[] image = Image(0);
        uint[] expected = Bits(_model.Predict(image));
        var unexpected = new ConcurrentBag<string>();
        int completed = 0, disposed = 0;
        Task[] callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            // Each caller predicts until the model is disposed under it (bounded, so a missed Dispose fails).
            for (int i = 0; i < 100_000; i++)
            {
                try
                {
                    if (!Bits(model.Predict(image)).SequenceEqual(expected))
                    {
                        unexpected.Add("wrong result");
                    }

                    Interlocked.Increment(ref completed);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref disposed);
                    return;
                }
                catch (Exception ex)
                {
                    unexpected.Add(ex.GetType().Name + ": " + ex.Message);
                    return;
                }
            }
        })).ToArray();

        while (Volatile.Read(ref completed) < 2)
        {
            await Task.Delay(1);
        }

        model.Dispose();
        await Task.WhenAll(callers);

        Assert.Empty(unexpected);
        Assert.True(completed >= 2, $"only {completed} predictions completed before Dispose");
        Assert.Equal(4, disposed);
    }
}
