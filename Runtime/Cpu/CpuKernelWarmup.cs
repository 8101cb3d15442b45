using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu.Jobs;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// Compiles the Cpu backend's per-call code for one generated model while its weights are still being read:
/// the kernels are AggressiveOptimization (fully optimized JIT, which ReadyToRun images leave out) and the
/// convolution jobs are compiled once per generated step type, so without this the first Predict of a new
/// process spends most of its time in the JIT. Loading runs on one thread; this runs on another core.
/// </summary>
/// <remarks>
/// Best effort: a method that cannot be prepared is left to be compiled on its first call, as before, and
/// nothing here throws. The step types are found as the generated class declares them (nested structs
/// implementing <see cref="IConv2DStep"/> or <see cref="ISeparableConvStep"/>).
/// </remarks>
internal static class CpuKernelWarmup
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>
    /// Starts compiling for <paramref name="modelType"/> on a thread-pool thread when <paramref name="options"/> will
    /// run on the Cpu backend (for Auto, once the CUDA probe, also done there, finds no device); null otherwise.
    /// </summary>
    public static Task? Start(Type modelType, InferenceOptions options)
    {
        if (options.Backend is not (Backend.Cpu or Backend.Auto))
        {
            return null;
        }

        return Task.Run(() =>
        {
            try
            {
                if (options.Backend == Backend.Auto && ExecutionBackends.IsCudaAvailable)
                {
                    return;
                }

                Prepare(modelType);
            }
            catch (Exception)
            {
                // Only a speed-up: whatever fails here is compiled on first use, and the load reports its own errors.
            }
        });
    }

    /// <summary>
    /// Compiles the kernels, the jobs and every convolution job specialized for a step type of <paramref name="modelType"/>;
    /// returns the number of step types found.
    /// </summary>
    public static int Prepare(Type modelType)
    {
        int steps = 0;
        foreach (Type type in typeof(CpuKernelWarmup).Assembly.GetTypes())
        {
            if (!type.IsGenericTypeDefinition && (type == typeof(CpuBackend) || type == typeof(ExecutionBackend) || type == typeof(CompiledModel)
                || type.Namespace is { } ns && ns.StartsWith("Xception.Compiler.Runtime.Cpu", StringComparison.Ordinal)))
            {
                PrepareDeclared(type);
            }
        }

        // The generated class: its step sequence is one large method.
        PrepareDeclared(modelType);

        foreach (Type step in modelType.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            Type? geometry =
                !step.IsValueType ? null
                : typeof(IConv2DStep).IsAssignableFrom(step) ? typeof(Conv2DGeometry<>).MakeGenericType(step)
                : typeof(ISeparableConvStep).IsAssignableFrom(step) ? typeof(SeparableGeometry<>).MakeGenericType(step)
                : null;
            if (geometry is not null)
            {
                PrepareDeclared(typeof(ConvolutionJob<>).MakeGenericType(geometry));
                PrepareGeneric(typeof(CpuBackend), "RunConvolution", geometry);
                PrepareGeneric(typeof(CpuBackend), "Specialized", geometry);
                PrepareGeneric(typeof(CpuBackend), "Conv2DCore", step);
                PrepareGeneric(typeof(CpuBackend), "SeparableConvCore", step);
                steps++;
            }
        }

        return steps;
    }

    /// <summary>
    /// Every method the type declares, compiled as its first call would compile it: fully optimized where it is
    /// marked AggressiveOptimization or has loops the runtime will not tier (stackalloc), else tier 0.
    /// </summary>
    private static void PrepareDeclared(Type type)
    {
        foreach (MethodInfo method in type.GetMethods(Declared))
        {
            if (!method.IsAbstract && !method.ContainsGenericParameters)
            {
                Prepare(method);
            }
        }
    }

    private static void PrepareGeneric(Type type, string name, Type argument)
    {
        foreach (MethodInfo method in type.GetMethods(Declared))
        {
            if (method.Name == name && method.IsGenericMethodDefinition && method.GetGenericArguments().Length == 1)
            {
                try
                {
                    Prepare(method.MakeGenericMethod(argument));
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
