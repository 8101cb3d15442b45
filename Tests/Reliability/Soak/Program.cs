using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Models;

namespace Xception.Compiler.Soak;

/// <summary>
/// Long runs of the generated mini 71×71 model: many predictions on one instance, then many load/dispose
/// cycles, sampling the working set, the managed heap (after a full collection), the open file descriptors
/// (/proc/self/fd) and the thread count. Exit code 1 when a leak is found: descriptors or threads that grow
/// with the iterations, a managed heap that grows by more than 16 MiB, or a prediction that changes.
/// </summary>
internal static class Program
{
    private const long HeapLeakBytes = 16L << 20;

    private static int Main(string[] args)
    {
        string fixtures = Option(args, "--fixtures", Path.Combine("Tests", "Fixtures"));
        int predictions = int.Parse(Option(args, "--predictions", "10000"), CultureInfo.InvariantCulture);
        int loads = int.Parse(Option(args, "--loads", "200"), CultureInfo.InvariantCulture);
        int ilgpuLoads = int.Parse(Option(args, "--ilgpu-loads", "20"), CultureInfo.InvariantCulture);
        // The weights' one copy is the Sample's example (Sample/Examples/README.md).
        string weights = Option(args, "--weights", Path.Combine("Sample", "Examples", "mini_xception_w0125_top10.h5"));
        float[] image = NpyFile.Read(Path.Combine(fixtures, "mini_input_71x71_seed2.npy")).Data.AsSpan(0, MiniXception71.InputLength).ToArray();

        Console.WriteLine($"soak: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {predictions} predictions, {loads} Cpu loads, {ilgpuLoads} IlgpuCpu loads");
        bool ok = true;
        ok &= SoakPredictions(weights, image, predictions);
        ok &= SoakLoads(weights, image, Backend.Cpu, loads, Math.Max(1, loads / 4));
        ok &= SoakLoads(weights, image, Backend.IlgpuCpu, ilgpuLoads, Math.Max(1, ilgpuLoads / 4));
        Console.WriteLine(ok ? "soak: no leak found" : "soak: LEAK FOUND");
        return ok ? 0 : 1;
    }

    private static bool SoakPredictions(string weights, float[] image, int count)
    {
        Console.WriteLine($"\n== {count} predictions on one MiniXception71 instance (Cpu backend)");
        using var model = MiniXception71.Load(weights, new InferenceOptions { Backend = Backend.Cpu });
        uint[] first = Bits(model.Predict(image));
        var output = new float[MiniXception71.OutputLength];
        for (int i = 0; i < 100; i++)
        {
            model.Predict(image, output); // warm-up: JIT, pools, the arena
        }

        Sample baseline = Sample.Take();
        Sample.PrintHeader();
        baseline.Print("0", baseline);
        var watch = Stopwatch.StartNew();
        int changed = 0;
        Sample last = baseline, middle = baseline;
        for (int i = 1; i <= count; i++)
        {
            if (i % 2 == 0)
            {
                model.Predict(image, output);
            }
            else
            {
                output = model.Predict(image);
            }

            if (i % 1000 == 0 || i == count)
            {
                if (!Bits(output).SequenceEqual(first))
                {
                    changed++;
                }

                last = Sample.Take();
                last.Print(i.ToString(CultureInfo.InvariantCulture), baseline);
                middle = i <= count / 2 ? last : middle;
            }
        }

        Console.WriteLine($"{count} predictions in {watch.Elapsed.TotalSeconds:F1} s ({watch.Elapsed.TotalMilliseconds / count:F2} ms each); results that changed: {changed}");
        return Verdict(baseline, middle, last, changed == 0);
    }

    private static bool SoakLoads(string weights, float[] image, Backend backend, int count, int every)
    {
        if (count == 0)
        {
            return true;
        }

        Console.WriteLine($"\n== {count} Load + Predict + Dispose cycles ({backend} backend)");
        uint[]? first = null;
        int changed = 0;
        for (int i = 0; i < 2; i++)
        {
            using var warm = MiniXception71.Load(weights, new InferenceOptions { Backend = backend });
            first = Bits(warm.Predict(image));
        }

        Sample baseline = Sample.Take();
        Sample.PrintHeader();
        baseline.Print("0", baseline);
        Sample last = baseline, middle = baseline;
        var watch = Stopwatch.StartNew();
        for (int i = 1; i <= count; i++)
        {
            using (var model = MiniXception71.Load(weights, new InferenceOptions { Backend = backend }))
            {
                if (!Bits(model.Predict(image)).SequenceEqual(first!))
                {
                    changed++;
                }
            }

            if (i % every == 0 || i == count)
            {
                last = Sample.Take();
                last.Print(i.ToString(CultureInfo.InvariantCulture), baseline);
                middle = i <= count / 2 ? last : middle;
            }
        }

        Console.WriteLine($"{count} cycles in {watch.Elapsed.TotalSeconds:F1} s ({watch.Elapsed.TotalMilliseconds / count:F1} ms each); results that changed: {changed}");
        return Verdict(baseline, middle, last, changed == 0);
    }

    // A leak grows with the iterations: the second half of the run must not add descriptors or threads (the
    // first half may, once: the runtime opens a few on first use), and the managed heap may not grow by more
    // than 16 MiB over the whole run.
    private static bool Verdict(Sample baseline, Sample middle, Sample last, bool resultsStable)
    {
        bool fds = last.FileDescriptors <= middle.FileDescriptors + 1 && last.FileDescriptors <= baseline.FileDescriptors + 8;
        bool threads = last.Threads <= middle.Threads + 2;
        bool heap = last.ManagedBytes - baseline.ManagedBytes <= HeapLeakBytes;
        if (last.FileDescriptors != baseline.FileDescriptors)
        {
            Console.WriteLine("descriptors opened since the baseline: " + string.Join(", ", last.Targets.Except(baseline.Targets).GroupBy(t => t).Select(g => g.Key + (g.Count() > 1 ? " ×" + g.Count() : string.Empty))));
        }

        Console.WriteLine(
            $"growth: working set {Mib(last.WorkingSet - baseline.WorkingSet)}, managed heap {Mib(last.ManagedBytes - baseline.ManagedBytes)}, "
            + $"file descriptors {last.FileDescriptors - baseline.FileDescriptors:+0;-0;0}, threads {last.Threads - baseline.Threads:+0;-0;0} -> "
            + (fds && threads && heap && resultsStable ? "ok" : "LEAK or CHANGE (fds " + fds + ", threads " + threads + ", heap " + heap + ", results " + resultsStable + ")"));
        return fds && threads && heap && resultsStable;
    }

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " MiB";

    private static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private readonly record struct Sample(long WorkingSet, long ManagedBytes, int FileDescriptors, int Threads, long Allocated, string[] Targets)
    {
        public static Sample Take()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using Process self = Process.GetCurrentProcess();
            string[] targets = Directory.Exists("/proc/self/fd")
                ? Directory.GetFiles("/proc/self/fd").Select(f => new FileInfo(f).LinkTarget ?? "?").ToArray()
                : Array.Empty<string>();
            int fds = targets.Length > 0 ? targets.Length : self.HandleCount;
            return new Sample(self.WorkingSet64, GC.GetTotalMemory(true), fds, self.Threads.Count, GC.GetTotalAllocatedBytes(), targets);
        }

        public static void PrintHeader() =>
            Console.WriteLine($"{"iteration",10} {"working set",12} {"managed heap",13} {"fds",5} {"threads",8} {"allocated",12}");

        public void Print(string label, Sample baseline) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,10} {WorkingSet / 1048576.0,9:F1} MiB {ManagedBytes / 1048576.0,10:F1} MiB {FileDescriptors,5} {Threads,8} {(Allocated - baseline.Allocated) / 1048576.0,8:F0} MiB"));
    }
}
