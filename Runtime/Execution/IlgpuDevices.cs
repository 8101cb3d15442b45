using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>Finds ILGPU devices and opens contexts on them; never throws while probing.</summary>
internal static class IlgpuDevices
{
    private static readonly object ResolverLock = new();
    private static bool resolverRegistered;
    private static readonly Lazy<bool> CudaProbe = new(ProbeCuda);

    public static bool IsCudaAvailable => CudaProbe.Value;

    /// <summary>Opens a context (with ILGPU.Algorithms) and an accelerator on the first device of a kind.</summary>
    /// <param name="kind">Cuda, OpenCL or IlgpuCpu.</param>
    /// <param name="cpuGroupSize">
    /// For IlgpuCpu: the largest group the simulated device must run (its default allows 16 threads);
    /// 0 keeps ILGPU's default device. A multiple of 32 (one simulated multiprocessor of 32-thread warps).
    /// </param>
    public static (Context Context, Accelerator Accelerator) Open(Backend kind, int cpuGroupSize = 0)
    {
        RegisterNativeResolver();
        Context context = kind switch
        {
            Backend.IlgpuCpu when cpuGroupSize > 0 =>
                Context.Create(b => b.CPU(new CPUDevice(32, (cpuGroupSize + 31) / 32, 1)).EnableAlgorithms()),
            Backend.IlgpuCpu => Context.Create(b => b.CPU().EnableAlgorithms()),
            Backend.Cuda => Context.Create(b => b.Cuda().EnableAlgorithms()),
            Backend.OpenCL => Context.Create(b => b.OpenCL().EnableAlgorithms()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "ILGPU runs Cuda, OpenCL or IlgpuCpu."),
        };

        try
        {
            AcceleratorType type = kind switch
            {
                Backend.Cuda => AcceleratorType.Cuda,
                Backend.OpenCL => AcceleratorType.OpenCL,
                _ => AcceleratorType.CPU,
            };
            Device? device = context.Devices.FirstOrDefault(d => d.AcceleratorType == type);
            if (device is null)
            {
                string what = kind == Backend.Cuda ? "CUDA" : kind.ToString();
                throw new BackendUnavailableException(
                    $"Backend {kind} was requested but no {what} device was found (ILGPU saw: {DescribeDevices()}).")
                {
                    Requested = kind,
                };
            }

            return (context, device.CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>What ILGPU can see on this machine, for error messages: "CPU accelerator, CUDA: NVIDIA H100".</summary>
    public static string DescribeDevices()
    {
        RegisterNativeResolver();
        try
        {
            using var context = Context.Create(b => b.AllAccelerators());
            var names = new List<string>();
            foreach (Device device in context.Devices)
            {
                names.Add(device.AcceleratorType switch
                {
                    AcceleratorType.CPU => "CPU accelerator",
                    AcceleratorType.Cuda => $"CUDA: {device.Name}",
                    AcceleratorType.OpenCL => $"OpenCL: {device.Name}",
                    _ => device.Name,
                });
            }

            return names.Count == 0 ? "no devices" : string.Join(", ", names.Distinct(StringComparer.Ordinal));
        }
        catch (Exception e)
        {
            return $"device probe failed: {e.GetType().Name}: {e.Message}";
        }
    }

    private static bool ProbeCuda()
    {
        RegisterNativeResolver();
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception)
        {
            // A missing or broken driver means no CUDA, never a failure of the caller.
            return false;
        }
    }

    /// <summary>
    /// ILGPU imports the CUDA driver as "cuda" (libcuda.so) and OpenCL as "OpenCL"; GPU machines often
    /// ship only the versioned libcuda.so.1 / libOpenCL.so.1. Registered once for the ILGPU assembly.
    /// </summary>
    public static void RegisterNativeResolver()
    {
        lock (ResolverLock)
        {
            if (resolverRegistered)
            {
                return;
            }

            resolverRegistered = true;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, ResolveNative);
            }
            catch (InvalidOperationException)
            {
                // Someone else (the host application) already installed a resolver for ILGPU: keep theirs.
            }
        }
    }

    private static IntPtr ResolveNative(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }

        string[] candidates = libraryName.ToLowerInvariant() switch
        {
            "cuda" or "nvcuda" or "libcuda" or "libcuda.so" => new[] { "libcuda.so", "libcuda.so.1" },
            "opencl" or "libopencl" or "libopencl.so" => new[] { "libOpenCL.so", "libOpenCL.so.1" },
            _ => Array.Empty<string>(),
        };

        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero; // fall back to the runtime's own probing
    }
}
