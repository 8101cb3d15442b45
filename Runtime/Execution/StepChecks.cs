using System;
using System.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>Argument checks shared by the backends (cheap: once per step, never per element).</summary>
internal static class StepChecks
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Residual(int hasResidual, int residual)
    {
        if ((hasResidual != 0) != (residual >= 0))
        {
            throw new ArgumentException(
                $"The step's HasResidual is {hasResidual} but the residual slot is {residual} (-1 means none).",
                nameof(residual));
        }
    }
}
