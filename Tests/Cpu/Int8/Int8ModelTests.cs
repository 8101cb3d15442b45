using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Cpu.Int8;

/// <summary>
/// The mini Xceptions end to end with <see cref="Precision.Int8"/>, calibrated on synthetic inputs (not the fixture inputs),
/// against the fixtures' float64 reference and against fp32; the calibration file's round trip and its stale-file errors.
/// </summary>
public sealed class Int8ModelTests(ITestOutputHelper output)
{
    private const string Weights = "mini_xception_w0125_top10.h5";

    /// <summary>
    /// Measured: 0.0051 to 0.0176 (largest absolute probability error per fixture, 10 classes, calibrated on 4 synthetic
    /// images); the tolerance leaves about 2.3× the worst. fp32 is within 1e-5 of the same reference; a step's own error
    /// is checked against its derived bound in <see cref="Int8SeparableStepTests"/>.
    /// </summary>
    private const double Tolerance = 0.04;

    private static readonly Dictionary<string, (Func<string, InferenceOptions, ICompiledModel> Load, CompiledModelInfo Info, string Input, string Expected)> s_models = new()
    {
        ["299"] = ((p, o) => MiniXception299.Load(p, o), MiniXception299.Info, "mini_input_299x299_seed5.npy", "mini_expected_299x299_seed5.npy"),
        ["71 batch 2"] = ((p, o) => MiniXception71.Load(p, o), MiniXception71.Info, "mini_input_71x71_seed2.npy", "mini_expected_71x71_seed2.npy"),
        ["75x79"] = ((p, o) => MiniXception75x79.Load(p, o), MiniXception75x79.Info, "mini_input_75x79_seed6.npy", "mini_expected_75x79_seed6.npy"),
        ["90x72"] = ((p, o) => MiniXception90x72.Load(p, o), MiniXception90x72.Info, "mini_input_90x72_seed7.npy", "mini_expected_90x72_seed7.npy"),
    };

    public static TheoryData<string> Models() => new(s_models.Keys);

    [Theory]
    [MemberData(nameof(Models))]
    public void Int8Model_MatchesFloat64ReferenceWithinTolerance_AndFp32Top1(string model)
    {
        var (load, info, inputFile, expectedFile) = s_models[model];
        NpyArray input = NpyFile.Read(TestPaths.Fixture(inputFile));
        NpyArray expected = NpyFile.Read(TestPaths.Fixture(expectedFile));
        Int8Calibration calibration = Calibrate(load, info, images: 4);

        using ICompiledModel int8 = load(TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Threads = 2, Precision = Precision.Int8, Calibration = calibration });
        using ICompiledModel fp32 = load(TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Threads = 2 });
        float[] quantized = int8.Predict(input.Data);
        float[] reference = fp32.Predict(input.Data);

        double worst = 0;
        for (int i = 0; i < quantized.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(quantized[i] - (double)expected.Data[i]));
        }

        int classes = info.OutputLength;
        for (int n = 0; n < quantized.Length / classes; n++)
        {
            Assert.Equal(ArgMax(reference.AsSpan(n * classes, classes)), ArgMax(quantized.AsSpan(n * classes, classes)));
        }

        output.WriteLine(FormattableString.Invariant($"{model}: int8 largest absolute probability error vs float64 {worst:E3} ({calibration.Tensors.Count} calibrated tensors)"));
        Assert.Equal(expected.Data.Length, quantized.Length);
        Assert.True(worst <= Tolerance, FormattableString.Invariant($"largest error {worst:E3}; tolerance {Tolerance}"));
        Assert.NotEqual(reference, quantized);
    }

    [Fact]
    public void CalibrationFile_RoundTrips()
    {
        var (load, info, _, _) = s_models["71 batch 2"];
        Int8Calibration calibration = Calibrate(load, info, images: 1);
        using var folder = new TempDirectory();
        string path = Path.Combine(folder.Path, "mini.calibration.json");

        calibration.Save(path);
        Int8Calibration read = Int8Calibration.Load(path);

        Assert.Equal(calibration.ModelName, read.ModelName);
        Assert.Equal(Int8Calibration.HashOf(info.WeightTable), read.WeightShapeHash);
        Assert.Equal(1, read.Images);
        Assert.Equal(calibration.Tensors, read.Tensors);
        Assert.Equal(path, read.Source);
        Assert.Equal(info.WeightTable.Layers.Count(l => l.KerasClass == "SeparableConv2D"), read.Tensors.Count);
    }

    [Fact]
    public void CalibrationOfAnotherModel_IsATypedErrorAtLoad()
    {
        Int8Calibration other = Calibrate(s_models["71 batch 2"].Load, MiniXception71.Info, images: 1);

        var e = Assert.Throws<CalibrationFileException>(() => MiniXception90x72.Load(
            TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Precision = Precision.Int8, Calibration = other }));

        Assert.Contains("'MiniXception71'", e.Message);
        Assert.Contains("'MiniXception90x72'", e.Message);
    }

    [Fact]
    public void CalibrationWithAnotherWeightShapeHash_IsATypedErrorAtLoad()
    {
        Int8Calibration good = Calibrate(s_models["71 batch 2"].Load, MiniXception71.Info, images: 1);
        using var folder = new TempDirectory();
        string path = Path.Combine(folder.Path, "stale.json");
        good.Save(path);
        File.WriteAllText(path, File.ReadAllText(path).Replace(good.WeightShapeHash, "0123456789abcdef", StringComparison.Ordinal));
        Int8Calibration stale = Int8Calibration.Load(path);

        var e = Assert.Throws<CalibrationFileException>(() => MiniXception71.Load(
            TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Precision = Precision.Int8, Calibration = stale }));

        Assert.Contains(path, e.Message);
        Assert.Contains("0123456789abcdef", e.Message);
        Assert.Contains(good.WeightShapeHash, e.Message);
    }

    [Fact]
    public void CalibrationWithAWrongTensorShape_IsATypedErrorOnTheStep()
    {
        Int8Calibration good = Calibrate(s_models["71 batch 2"].Load, MiniXception71.Info, images: 1);
        var tensors = good.Tensors.ToArray();
        tensors[3] = tensors[3] with { Shape = "1x1x1" };
        var wrong = new Int8Calibration(good.ModelName, good.WeightShapeHash, 1, tensors);
        using ICompiledModel model = MiniXception71.Load(
            TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Precision = Precision.Int8, Calibration = wrong });

        var e = Assert.Throws<CalibrationFileException>(() => model.Predict(new float[MiniXception71.Info.InputLength]));

        Assert.Contains("tensor 3 has shape 1x1x1", e.Message);
    }

    [Fact]
    public void MalformedCalibrationFile_IsATypedError()
    {
        using var folder = new TempDirectory();
        string path = Path.Combine(folder.Path, "bad.json");
        File.WriteAllText(path, "{ \"format\": 1, \"model\": \"M\", \"weightShapeHash\": \"x\", \"images\": 1, \"tensors\": [ { \"step\": 0 } ] }");

        var e = Assert.Throws<CalibrationFileException>(() => Int8Calibration.Load(path));

        Assert.Contains("\"shape\" is missing", e.Message);
    }

    [Fact]
    public void Int8WithoutCalibration_IsRejectedByValidate()
    {
        var e = Assert.Throws<ArgumentException>(() => new InferenceOptions { Precision = Precision.Int8 }.Validate());
        Assert.Contains("Calibration", e.Message);
    }

    private static Int8Calibration Calibrate(Func<string, InferenceOptions, ICompiledModel> load, CompiledModelInfo info, int images)
    {
        var recorder = new CalibrationRecorder();
        using ICompiledModel model = load(TestPaths.Fixture(Weights), new InferenceOptions { Backend = Backend.Cpu, Threads = 2, CalibrationRecorder = recorder });
        for (int i = 0; i < images; i++)
        {
            model.Predict(SyntheticWeights.RandomInput(info.InputLength, 1000 + (ulong)i));
            recorder.CountImages(1);
        }

        return recorder.ToCalibration(info.WeightTable);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
