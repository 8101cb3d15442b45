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
    // Tests.csproj turns InvariantGlobalization off, so these are ICU's real cultures (comma decimals; fi-FI
    // also writes the minus sign as U+2212). A host without ICU fails here rather than testing a stand-in.
    private static CultureInfo Hostile(string name)
    {
        var culture = CultureInfo.GetCultureInfo(name);
        Assert.Equal(name, culture.Name);
        Assert.Equal(",", culture.NumberFormat.NumberDecimalSeparator);
        Assert.Equal("0,001", 0.001.ToString(culture));
        return culture;
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
    public void HostileCultures_AreRealIcuCultures_NotInvariantMode()
    {
        Assert.Equal("\u2212" + "1,5", (-1.5).ToString(CultureInfo.GetCultureInfo("fi-FI")));
        Assert.Equal("-1,5", (-1.5).ToString(CultureInfo.GetCultureInfo("de-DE")));
    }

    [Fact]
    public void Emit_Twice_IsByteIdentical()
    {
        Assert.Equal(EmitUnder(CultureInfo.InvariantCulture, "Tests/Models/MiniXception75x79.xcs.json"), EmitUnder(CultureInfo.InvariantCulture, "Tests/Models/MiniXception75x79.xcs.json"));
    }
}
