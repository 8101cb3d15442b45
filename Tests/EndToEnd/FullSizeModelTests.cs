using System;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.EndToEnd;

/// <summary>
/// The root model.xcs.json, compiled into this assembly as <see cref="Tests.Xception"/>, on a full-size
/// synthetic Keras 2 weight file written by the test (the official file is 88 MB and not downloadable here).
/// </summary>
public sealed class FullSizeModelTests : IClassFixture<FullSizeModelTests.SyntheticWeightsFile>
{
    private readonly SyntheticWeightsFile _weights;

    public FullSizeModelTests(SyntheticWeightsFile weights) => _weights = weights;

    [Fact]
    public void FullSize_OneImageOnIlgpuCpuAndCpu_NormalisedAndAgreeing()
    {
        float[] image = RandomImage(seed: 11);

        float[] ilgpu;
        using (var model = Xception.Load(_weights.Path, new InferenceOptions { Backend = Backend.IlgpuCpu, MaxBatch = 1 }))
        {
            ilgpu = model.Predict(image);
        }

        float[] cpu;
        using (var model = Xception.Load(_weights.Path, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 }))
        {
            cpu = model.Predict(image);
        }

        Assert.Equal(Xception.OutputLength, ilgpu.Length);
        double sum = 0;
        foreach (float p in ilgpu)
        {
            Assert.True(float.IsFinite(p) && p >= 0, $"probability {p} is not a finite non-negative number");
            sum += p;
        }

        Assert.InRange(sum, 1 - 1e-4, 1 + 1e-4);
        double worst = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(cpu[i] - ilgpu[i]));
        }

        Assert.True(worst <= 1e-5, $"Cpu and IlgpuCpu differ by {worst:E3}");
    }

    [Fact]
    public void Profiler_FullSizeOnCpu_CountsXceptionsOperations_AndLeavesTheOutputUnchanged()
    {
        float[] image = RandomImage(seed: 12);
        var profiler = new StepProfiler();
        float[] plain, profiled;
        using (var model = Xception.Load(_weights.Path, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 }))
        {
            plain = model.Predict(image);
        }

        using (var model = Xception.Load(_weights.Path, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1, Profiler = profiler }))
        {
            Assert.Equal("cpu", model.BackendName);
            profiled = model.Predict(image);
        }

        Assert.Equal(plain, profiled);
        Assert.Equal(1, profiler.Runs);
        Assert.Equal(47, profiler.Steps.Count);
        Assert.All(profiler.Steps, s => Assert.True(s.Milliseconds > 0 && s.Calls == 1, $"step {s.Step} ({s.Kind})"));

        // Xception V1 at 299×299 is 8.36 GMAC, 90.6% of it in the separable blocks' pointwise products
        // (figures from outside this code); the four 1×1 shortcut convolutions add 231.6 MMAC of 1×1 work.
        long macs = 0, separablePointwiseMacs = 0, pointwiseMacs = 0;
        foreach (StepTiming s in profiler.Steps)
        {
            macs += s.Kind is "conv" or "separable" or "dense" ? s.Flops / 2 : 0;
            separablePointwiseMacs += s.Kind == "separable" ? s.PointwiseFlops / 2 : 0;
            pointwiseMacs += s.PointwiseFlops / 2;
        }

        Assert.InRange(macs / 1e9, 8.34, 8.38);
        Assert.InRange((double)separablePointwiseMacs / macs, 0.901, 0.911);
        Assert.Equal(74L * 74 * 64 * 128 + 37 * 37 * 128 * 256 + 19 * 19 * 256 * 728 + 10 * 10 * 728 * 1024, pointwiseMacs - separablePointwiseMacs);
        string table = profiler.Format();
        Assert.Contains("pointwise", table, StringComparison.Ordinal);
        Assert.Contains("19×19×728 3×3/1 → 19×19×728 relu-in relu", table, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongInputLength_Throws_NamingExpectedAndFound()
    {
        using var model = Xception.Load(_weights.Path, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 });
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[1000]));
        Assert.Contains("268203", e.Message, StringComparison.Ordinal);
        Assert.Contains("1000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PredictAfterDispose_ThrowsObjectDisposed()
    {
        var model = Xception.Load(_weights.Path, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 });
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Predict(new float[Xception.InputLength]));
    }

    [Fact]
    public void MiniWeightsIntoFullModel_ThrowsWeightFileException_NamingLayerAndShapes()
    {
        var e = Assert.Throws<WeightFileException>(
            () => Xception.Load(TestPaths.Fixture("mini_xception_w0125_top10.h5"), new InferenceOptions { Backend = Backend.Cpu }));
        Assert.Contains("mini_xception_w0125_top10.h5", e.Message, StringComparison.Ordinal);
        Assert.Contains("(3, 3, 3, 32)", e.Message, StringComparison.Ordinal);
        Assert.Contains("(3, 3, 3, 4)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotopWeightsIntoTopModel_ThrowsWeightFileException_NamingCounts()
    {
        var e = Assert.Throws<WeightFileException>(
            () => Tests.Models.MiniXception71.Load(TestPaths.Fixture("mini_xception_w0125_notop.h5"), new InferenceOptions { Backend = Backend.Cpu }));
        Assert.Contains("81", e.Message, StringComparison.Ordinal);
        Assert.Contains("80", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAnHdf5File_ThrowsWeightFileException()
    {
        using var temp = new TempDirectory();
        string path = temp.File("weights.h5");
        System.IO.File.WriteAllText(path, "this is not HDF5");
        var e = Assert.Throws<WeightFileException>(() => Xception.Load(path, new InferenceOptions { Backend = Backend.Cpu }));
        Assert.Contains("HDF5", e.Message, StringComparison.Ordinal);
    }

    private static float[] RandomImage(int seed)
    {
        var random = new Random(seed);
        var image = new float[Xception.InputLength];
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return image;
    }

    /// <summary>A full-size Keras 2 weight file for the root model, written once for the class.</summary>
    public sealed class SyntheticWeightsFile : IDisposable
    {
        private readonly TempDirectory _directory = new();

        public SyntheticWeightsFile()
        {
            Path = _directory.File("xception_synthetic.h5");
            SyntheticWeights.WriteKeras2File(Path, Xception.WeightTable, seed: 3);
        }

        public string Path { get; }

        public void Dispose() => _directory.Dispose();
    }
}
