using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>The emitted bytes do not depend on the culture the compiler runs under.</summary>
public sealed class DeterminismTests
{
    // The test host runs with InvariantGlobalization, where named cultures may be unavailable:
    // then a stand-in with the same hostile number format (comma decimals, U+2212 minus) is used.
    private static CultureInfo Hostile(string name)
    {
        try
        {
            var culture = new CultureInfo(name);
            if (culture.NumberFormat.NumberDecimalSeparator == ",")
            {
                return culture;
            }
        }
        catch (CultureNotFoundException)
        {
        }

        var standIn = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        standIn.NumberFormat.NumberDecimalSeparator = ",";
        standIn.NumberFormat.NumberGroupSeparator = "\u00A0";
        standIn.NumberFormat.NegativeSign = "\u2212";
        return standIn;
    }

    private static string EmitUnder(CultureInfo culture, string description)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        CultureInfo savedUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files(description), "Sample");
            return result.GeneratedTrees.Single().GetText().ToString();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fi-FI")]
    public void Emit_UnderHostileCulture_IsByteIdentical(string name)
    {
        string invariant = EmitUnder(CultureInfo.InvariantCulture, ModelFiles.Full);
        string hostile = EmitUnder(Hostile(name), ModelFiles.Full);
        Assert.Equal(invariant, hostile);
        Assert.Contains("0.001f", hostile, StringComparison.Ordinal);
        Assert.Contains("residual: -1", hostile, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", hostile, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_Twice_IsByteIdentical()
    {
        Assert.Equal(EmitUnder(CultureInfo.InvariantCulture, "Tests/Models/MiniXception75x79.xcs.json"), EmitUnder(CultureInfo.InvariantCulture, "Tests/Models/MiniXception75x79.xcs.json"));
    }
}
