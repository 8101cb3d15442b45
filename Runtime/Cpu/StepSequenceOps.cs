using System;
using System.Collections.Generic;
using System.Reflection;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// The <see cref="ExecutionBackend"/> operations a generated class's step sequence (<c>RunSteps</c>) calls, read
/// from its IL, so that <see cref="CpuKernelWarmup"/> compiles the code of those operations only (Xception uses six
/// of the backend's fourteen). Unknown when the method or its IL cannot be read: then everything is compiled.
/// </summary>
internal sealed class StepSequenceOps
{
    private const byte Call = 0x28;
    private const byte CallVirt = 0x6F;

    private static readonly HashSet<string> AllOps = OpNames();

    private readonly HashSet<string> _used;
    private readonly bool _usesPrologue;

    private StepSequenceOps(HashSet<string> used, bool usesPrologue)
    {
        _used = used;
        _usesPrologue = usesPrologue;
    }

    /// <summary>The operations <paramref name="modelType"/>'s <c>RunSteps</c> calls; null when they cannot be told.</summary>
    public static StepSequenceOps? Read(Type modelType)
    {
        MethodInfo? steps = modelType.GetMethod("RunSteps", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
        byte[]? il = steps?.GetMethodBody()?.GetILAsByteArray();
        if (steps is null || il is null)
        {
            return null;
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        bool usesPrologue = false;

        // A call's operand is a method token (MethodDef 0x06, MemberRef 0x0A, MethodSpec 0x2B in its top byte). Any
        // 0x28/0x6F byte is tried, not only opcodes: an operand byte taken for one can only add an operation
        // (more is compiled, never less), since only methods declared by ExecutionBackend are kept.
        for (int i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is not (Call or CallVirt) || il[i + 4] is not (0x06 or 0x0A or 0x2B))
            {
                continue;
            }

            int token = BitConverter.ToInt32(il, i + 1);
            MethodBase? callee = Resolve(steps.Module, token);
            if (callee is not null && callee.DeclaringType == typeof(ExecutionBackend) && AllOps.Contains(callee.Name))
            {
                used.Add(callee.Name);
                usesPrologue |= HasPrologue(callee);
            }
        }

        return used.Count == 0 ? null : new StepSequenceOps(used, usesPrologue);
    }

    /// <summary>
    /// False for code only an unused operation runs: the backend's entry point of the operation (<c>MaxPool</c>),
    /// its Cpu implementation (<c>MaxPoolCore</c>), its job (<c>MaxPoolJob</c>), and the channel-prologue overloads
    /// when no step has a prologue. Code that belongs to no operation by name is always needed.
    /// </summary>
    public bool Needs(MethodInfo method)
    {
        if (!_usesPrologue && HasPrologue(method))
        {
            return false;
        }

        string? op = OpOf(method.Name, "Core") ?? OpOf(method.Name, string.Empty);
        if (op is not null && (method.DeclaringType == typeof(ExecutionBackend) || method.DeclaringType == typeof(CpuBackend)))
        {
            return _used.Contains(op);
        }

        return OpOf(method.DeclaringType?.Name ?? string.Empty, "Job") is not { } job || _used.Contains(job);
    }

    private static string? OpOf(string name, string suffix)
    {
        if (!name.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        string op = name[..^suffix.Length];
        return AllOps.Contains(op) ? op : null;
    }

    private static bool HasPrologue(MethodBase method)
    {
        foreach (ParameterInfo parameter in method.GetParameters())
        {
            Type type = parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;
            if (type == typeof(ChannelPrologue))
            {
                return true;
            }
        }

        return false;
    }

    private static MethodBase? Resolve(Module module, int token)
    {
        try
        {
            return module.ResolveMethod(token);
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or MissingMethodException or TypeLoadException)
        {
            return null;
        }
    }

    // The step operations: ExecutionBackend's public instance methods that take a batch (not Upload, WriteInput, ...).
    private static HashSet<string> OpNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (MethodInfo method in typeof(ExecutionBackend).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            foreach (ParameterInfo parameter in method.GetParameters())
            {
                if (parameter.Name == "batch")
                {
                    names.Add(method.Name);
                    break;
                }
            }
        }

        return names;
    }
}
