using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// Xception 299×299, one Predict per invocation, on the same weights (<see cref="Artifacts"/>) and the same
/// deterministic input: ONNX Runtime (baseline) and this project's generated <c>Cpu</c> backend.
/// Run through <c>Program</c> (<c>dotnet run -c Release --project Benchmarks</c>), which passes <see cref="XceptionBenchmarkConfig"/>.
/// </summary>
public class XceptionBenchmarks
{
    private IEngine? engine;

    [Params(1, 8)]
    public int Batch { get; set; }

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Artifacts a = Artifacts.Prepare(Environment.GetEnvironmentVariable("XCS_BENCH_WEIGHTS"));
        engine = new OrtEngine(a.OnnxPath, Batch, Threads, Artifacts.RandomInput(Batch * Xception.InputLength));
        engine.Run();
    }

    [GlobalSetup(Target = nameof(Cpu))]
    public void SetupCpu()
    {
        Artifacts a = Artifacts.Prepare(Environment.GetEnvironmentVariable("XCS_BENCH_WEIGHTS"));
        engine = new GeneratedEngine(a.WeightsPath, Backend.Cpu, Batch, Threads, Artifacts.RandomInput(Batch * Xception.InputLength));
        engine.Run();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        engine?.Dispose();
        engine = null;
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public void OnnxRuntime() => engine!.Run();

    [Benchmark(Description = "Cpu (generated)")]
    public void Cpu() => engine!.Run();
}

/// <summary>
/// A short in-process job (a few minutes for all four cases here): 1 launch, 5 warm-up and
/// <c>XCS_BENCH_ITERATIONS</c> (default 12) measured iterations of one Predict each. In-process because a
/// generated out-of-process project would inherit this repository's build settings and rebuild the
/// source generator; each case still gets its own engine (GlobalSetup/GlobalCleanup per case).
/// </summary>
public sealed class XceptionBenchmarkConfig : ManualConfig
{
    public XceptionBenchmarkConfig()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("XCS_BENCH_ITERATIONS"), out int n) && n > 2 ? n : 12;
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(iterations)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Short-InProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumnProvider(DefaultColumnProviders.Descriptor, DefaultColumnProviders.Params, DefaultColumnProviders.Metrics);
        AddColumn(StatisticColumn.Median, StatisticColumn.P90, StatisticColumn.Min,
            new MedianRatioColumn(), new ThroughputColumn(images: true), new ThroughputColumn(images: false));
        AddLogger(ConsoleLogger.Default);
        AddExporter(MarkdownExporter.GitHub);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
        WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
    }
}

/// <summary>Median of this case over the median of the baseline (ONNX Runtime) at the same batch.</summary>
internal sealed class MedianRatioColumn : IColumn
{
    public string Id => nameof(MedianRatioColumn);

    public string ColumnName => "Ratio (medians)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Baseline;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Median time over the median time of ONNX Runtime at the same batch (below 1: faster than ONNX Runtime)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkCase? baseline = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.Baseline && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
        double? own = summary[benchmarkCase]?.ResultStatistics?.Median;
        double? other = baseline is null ? null : summary[baseline]?.ResultStatistics?.Median;
        return own is null || other is null or 0 ? "?" : (own.Value / other.Value).ToString("0.00", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Images per second, or achieved GFLOP/s of the whole model (16.71 GFLOP per 299×299 image), at the median time.</summary>
internal sealed class ThroughputColumn(bool images) : IColumn
{
    public string Id => nameof(ThroughputColumn) + (images ? "Images" : "Gflops");

    public string ColumnName => images ? "img/s" : "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => images ? 0 : 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => images
        ? "Images per second at the median time"
        : "Achieved GFLOP/s of the whole model at the median time (2 × 8.357 GMAC per image)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? medianNs = summary[benchmarkCase]?.ResultStatistics?.Median;
        object? batch = benchmarkCase.Parameters["Batch"];
        if (medianNs is null or 0 || batch is not int n)
        {
            return "?";
        }

        double perSecond = n * 1e9 / medianNs.Value;
        return images
            ? perSecond.ToString("0.0", CultureInfo.InvariantCulture)
            : (perSecond * Artifacts.FlopPerImage / 1e9).ToString("0.0", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
