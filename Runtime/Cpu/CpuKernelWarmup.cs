using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu.Jobs;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// Compiles the Cpu backend's per-call code for one generated model while its weights are still being read:
/// the kernels are AggressiveOptimization (fully optimized JIT, which ReadyToRun images leave out) and the
/// convolution jobs are compiled once per generated step type, so without this the first Predict of a new
/// process spends most of its time in the JIT. Loading runs on one thread; this runs on another core, and the
/// loading thread joins in (<see cref="HelpAndWait"/>) once the model is built, so the two cores share what is left.
/// </summary>
/// <remarks>
/// Best effort: a method that cannot be prepared is left to be compiled on its first call, as before, and
/// nothing here throws. The step types are found as the generated class declares them (nested structs
/// implementing <see cref="IConv2DStep"/> or <see cref="ISeparableConvStep"/>). The step-specialized methods come
/// first in the list: they are most of the work, and a method still queued when the loader joins is then a small one.
/// </remarks>
internal sealed class CpuKernelWarmup
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private readonly Task _worker;
    private MethodInfo[]? _methods;
    private int _next = -1;

    private CpuKernelWarmup(Type modelType, InferenceOptions options) =>
        _worker = Task.Run(() =>
        {
            try
            {
                if (options.Backend == Backend.Auto && ExecutionBackends.IsCudaAvailable)
                {
                    return;
                }

                LoadTrace.Mark("warm-up: start");
                Volatile.Write(ref _methods, Collect(modelType).ToArray());
                PrepareQueued();
                LoadTrace.Mark("warm-up: worker done");
            }
            catch (Exception)
            {
                // Only a speed-up: whatever fails here is compiled on first use, and the load reports its own errors.
            }
        });

    /// <summary>
    /// Starts compiling for <paramref name="modelType"/> on a thread-pool thread when <paramref name="options"/> will
    /// run on the Cpu backend (for Auto, once the CUDA probe, also done there, finds no device); null otherwise.
    /// </summary>
    /// <remarks>The environment variable <c>XCS_CPU_WARMUP=0</c> turns it off, for measuring what it gives (scripts/cold-start.sh).</remarks>
    public static CpuKernelWarmup? Start(Type modelType, InferenceOptions options) =>
        options.Backend is Backend.Cpu or Backend.Auto && Environment.GetEnvironmentVariable("XCS_CPU_WARMUP") != "0"
            ? new CpuKernelWarmup(modelType, options)
            : null;

    /// <summary>
    /// Compiles, on the calling thread, what the worker has not yet taken, then waits for the worker; never throws.
    /// </summary>
    public void HelpAndWait()
    {
        try
        {
            PrepareQueued();
        }
        catch (Exception)
        {
            // As in the worker: left to the first call.
        }

        _worker.Wait();
    }

    /// <summary>Waits for the worker without helping (a load that failed); never throws.</summary>
    public void Wait() => _worker.Wait();

    /// <summary>
    /// Compiles the kernels, the jobs and every convolution job specialized for a step type of <paramref name="modelType"/>
    /// on the calling thread; returns the number of step types found.
    /// </summary>
    public static int Prepare(Type modelType)
    {
        List<MethodInfo> methods = Collect(modelType, out int steps);
        foreach (MethodInfo method in methods)
        {
            Prepare(method);
        }

        return steps;
    }

    private void PrepareQueued()
    {
        MethodInfo[]? methods = Volatile.Read(ref _methods);
        if (methods is null)
        {
            return;
        }

        for (int i = Interlocked.Increment(ref _next); i < methods.Length; i = Interlocked.Increment(ref _next))
        {
            Prepare(methods[i]);
        }
    }

    private static List<MethodInfo> Collect(Type modelType) => Collect(modelType, out _);

    private static List<MethodInfo> Collect(Type modelType, out int steps)
    {
        var methods = new List<MethodInfo>();
        StepSequenceOps? ops = StepSequenceOps.Read(modelType);
        steps = 0;
        foreach (Type step in modelType.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            Type? geometry =
                !step.IsValueType ? null
                : typeof(IConv2DStep).IsAssignableFrom(step) ? typeof(Conv2DGeometry<>).MakeGenericType(step)
                : typeof(ISeparableConvStep).IsAssignableFrom(step) ? typeof(SeparableGeometry<>).MakeGenericType(step)
                : null;
            if (geometry is not null)
            {
                AddDeclared(methods, typeof(ConvolutionJob<>).MakeGenericType(geometry));
                AddGeneric(methods, typeof(CpuBackend), "RunConvolution", geometry);
                AddGeneric(methods, typeof(CpuBackend), "Specialized", geometry);
                AddGeneric(methods, typeof(CpuBackend), "Conv2DCore", step);
                AddGeneric(methods, typeof(CpuBackend), "SeparableConvCore", step);
                steps++;
            }
        }

        // The generated class: its step sequence is one large method.
        AddDeclared(methods, modelType);

        foreach (Type type in typeof(CpuKernelWarmup).Assembly.GetTypes())
        {
            if (!type.IsGenericTypeDefinition && (type == typeof(CpuBackend) || type == typeof(ExecutionBackend) || type == typeof(CompiledModel)
                || type.Namespace is { } ns && ns.StartsWith("Xception.Compiler.Runtime.Cpu", StringComparison.Ordinal)))
            {
                AddDeclared(methods, type);
            }
        }

        return ops is null ? methods : methods.FindAll(ops.Needs);
    }

    /// <summary>
    /// Every method the type declares, to be compiled as its first call would compile it: fully optimized where it is
    /// marked AggressiveOptimization or has loops the runtime will not tier (stackalloc), else tier 0.
    /// </summary>
    private static void AddDeclared(List<MethodInfo> methods, Type type)
    {
        foreach (MethodInfo method in type.GetMethods(Declared))
        {
            if (!method.IsAbstract && !method.ContainsGenericParameters)
            {
                methods.Add(method);
            }
        }
    }

    private static void AddGeneric(List<MethodInfo> methods, Type type, string name, Type argument)
    {
        foreach (MethodInfo method in type.GetMethods(Declared))
        {
            if (method.Name == name && method.IsGenericMethodDefinition && method.GetGenericArguments().Length == 1)
            {
                try
                {
                    methods.Add(method.MakeGenericMethod(argument));
                }
                catch (ArgumentException)
                {
                    // A constraint the argument does not meet: the method is compiled on first use instead.
                }
            }
        }
    }

    private static void Prepare(MethodInfo method)
    {
        try
        {
            RuntimeHelpers.PrepareMethod(method.MethodHandle);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or TypeLoadException or BadImageFormatException)
        {
            // Compiled on first use instead.
        }
    }
}
