using System.CommandLine;
using System.IO;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Cpu.Int8;

namespace Xception.Compiler.Sample;

/// <summary>The <c>--precision fp32|int8</c> and <c>--calibration F</c> options that <c>bench</c> and <c>predict</c> share.</summary>
internal sealed class PrecisionOptions
{
    public Option<string> Precision { get; } = CreatePrecision();

    public Option<FileInfo?> Calibration { get; } = new("--calibration")
    {
        Description = "Calibration file for --precision int8 (written by xception calibrate).",
    };

    /// <summary>The precision and, for int8, the calibration read from its file.</summary>
    public (Precision Precision, Int8Calibration? Calibration) Read(ParseResult result)
    {
        string precision = result.GetValue(Precision)!;
        string? path = result.GetValue(Calibration)?.FullName;
        if (precision == "fp32")
        {
            if (path is not null)
            {
                throw new UsageException("--calibration applies to --precision int8 only.");
            }

            return (Runtime.Precision.Fp32, null);
        }

        if (path is null)
        {
            throw new UsageException("--precision int8 needs --calibration F (write one with: xception calibrate --weights W --images DIR --output F).");
        }

        return (Runtime.Precision.Int8, Int8Calibration.Load(path));
    }

    private static Option<string> CreatePrecision()
    {
        var option = new Option<string>("--precision")
        {
            Description = "fp32 | int8 (int8: the separable steps' pointwise products in int8, Cpu backend, needs --calibration).",
            DefaultValueFactory = _ => "fp32",
        };
        option.AcceptOnlyFromAmong("fp32", "int8");
        return option;
    }
}
