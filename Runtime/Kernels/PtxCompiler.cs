using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Values;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>
/// Compiles kernels to PTX with no GPU present (ILGPU's PTX backend runs anywhere), so a build machine
/// can check that every kernel compiles for the GPU and can feed the PTX to <c>ptxas</c>.
/// Each kernel is specialized on its shape the way ILGPU's accelerators do it for
/// <see cref="SpecializedValue{T}"/>: a wrapper passes the shape as an IR constant and the optimizer
/// folds it, so the PTX is the one a GPU would run.
/// </summary>
internal static class PtxCompiler
{
    /// <summary>Hopper (H100/H200).</summary>
    public static CudaArchitecture DefaultArchitecture => CudaArchitecture.SM_90;

    /// <summary>PTX ISA 7.8: the newest that CUDA 11.8's ptxas assembles, and the first with sm_90.</summary>
    public static CudaInstructionSet DefaultInstructionSet => CudaInstructionSet.ISA_78;

    /// <summary>PTX for <see cref="KernelCatalog.Representative"/>.</summary>
    public static IReadOnlyList<(string Name, string Ptx)> CompileAll() => CompileAll(KernelCatalog.Representative());

    /// <summary>PTX text for each kernel instance, in order.</summary>
    public static IReadOnlyList<(string Name, string Ptx)> CompileAll(
        IEnumerable<KernelInstance> kernels,
        CudaArchitecture? architecture = null,
        CudaInstructionSet? instructionSet = null)
    {
        CudaArchitecture arch = architecture ?? DefaultArchitecture;
        CudaInstructionSet isa = instructionSet ?? DefaultInstructionSet;
        var results = new List<(string Name, string Ptx)>();

        // A failed compile leaves an ILGPU context broken: one context per kernel keeps failures local.
        foreach (KernelInstance kernel in kernels)
        {
            using var context = Context.Create(b => b.Cuda().EnableAlgorithms());
            using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, isa, nvvmAPI: null);
            results.Add((kernel.Name, Retarget(Compile(context, backend, kernel), arch)));
        }

        return results;
    }

    private static string Compile(Context context, PTXBackend backend, KernelInstance kernel)
    {
        var entry = IsExplicitlyGrouped(kernel.Kernel)
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Kernel)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Kernel);
        Method generic = backend.PreCompileKernelMethod(entry);

        using var irContext = new IRContext(context);
        Method target = irContext.Import(generic);
        Method wrapper = irContext.Declare(
            new MethodDeclaration(MethodHandle.Create("Specialized" + kernel.Kernel.Name), irContext.VoidType),
            out _);
        target.AddFlags(MethodFlags.Inline);

        // Mirrors ILGPU's own specialization: every parameter stays, the specialized ones are replaced
        // by constants at the call into the kernel.
        ImmutableArray<ParameterCollection.SpecializedParameter> specialized = entry.Parameters.SpecializedParameters;
        int offset = entry.KernelIndexParameterOffset;
        using (Method.Builder builder = wrapper.CreateBuilder())
        {
            var block = builder.EntryBlockBuilder;
            Location location = wrapper.Location;
            var call = block.CreateCall(location, target);
            for (int i = 0, next = 0; i < target.NumParameters; i++)
            {
                Parameter parameter = target.Parameters[i];
                Parameter forwarded = builder.AddParameter(parameter.Type, parameter.Name);
                if (next < specialized.Length && specialized[next].Index == i - offset)
                {
                    object value = SpecializedValueOf(kernel.Shape);
                    call.Add(block.CreateValue(location, value, value.GetType()));
                    next++;
                }
                else
                {
                    call.Add(forwarded);
                }
            }

            call.Seal();
            block.CreateReturn(location);

            // Commits the parameters: without it the wrapper keeps an empty parameter list (ILGPU 1.5.3).
            builder.Complete();
        }

        irContext.Optimize();
        var compiled = (PTXCompiledKernel)backend.Compile(wrapper, entry, KernelSpecialization.Empty);
        return compiled.PTXAssembly;
    }

    /// <summary>
    /// Implicitly grouped kernels take an index (Index1D…) first; explicitly grouped ones (shared memory,
    /// barriers, launched with a KernelConfig) take only their arguments.
    /// </summary>
    internal static bool IsExplicitlyGrouped(System.Reflection.MethodInfo kernel)
    {
        var parameters = kernel.GetParameters();
        return parameters.Length == 0 || !typeof(IIndex).IsAssignableFrom(parameters[0].ParameterType);
    }

    /// <summary>
    /// ILGPU 1.5.3 writes at most ".target sm_80" whatever architecture it is given (its code
    /// generator uses no newer instructions). PTX targets are forward compatible, so the same text is
    /// valid for the requested architecture; the header is rewritten to it so ptxas assembles and
    /// checks the kernel for that chip (the CUDA driver likewise JIT-compiles sm_80 PTX for sm_90).
    /// </summary>
    internal static string Retarget(string ptx, CudaArchitecture architecture)
    {
        string wanted = ".target " + architecture.ToString().ToLowerInvariant();
        int start = ptx.IndexOf(".target ", StringComparison.Ordinal);
        if (start < 0)
        {
            return ptx;
        }

        int end = ptx.IndexOfAny(new[] { '\r', '\n', ',' }, start);
        end = end < 0 ? ptx.Length : end;
        return string.Concat(ptx.AsSpan(0, start), wanted, ptx.AsSpan(end));
    }

    private static object SpecializedValueOf(object shape) =>
        Activator.CreateInstance(typeof(SpecializedValue<>).MakeGenericType(shape.GetType()), shape)
        ?? throw new InvalidOperationException($"Cannot wrap {shape.GetType().Name} in SpecializedValue.");
}
