namespace Xception.Compiler.Generator.Model;

/// <summary>
/// The values of a description's <c>preprocessing</c> member and the runtime's <c>ImagePreprocessing</c> member
/// each one is emitted as.
/// </summary>
internal static class PreprocessingModes
{
    public static bool IsKnown(string? mode) => EnumMemberOrNull(mode) is not null;

    /// <summary>The <c>ImagePreprocessing</c> member of a known mode.</summary>
    public static string EnumMember(string mode) => EnumMemberOrNull(mode) ?? "Tf";

    private static string? EnumMemberOrNull(string? mode) => mode switch
    {
        "tf" => "Tf",
        "caffe" => "Caffe",
        "torch" => "Torch",
        "none" => "None",
        _ => null,
    };
}
