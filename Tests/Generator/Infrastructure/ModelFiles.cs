using System.Collections.Generic;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace Xception.Compiler.Tests.Generator.Infrastructure;

/// <summary>Descriptions of the repository, with the shape tables they name, as AdditionalFiles.</summary>
internal static class ModelFiles
{
    public const string Full = "model.xcs.json";

    public static readonly string[] Minis =
    {
        "Tests/Models/MiniXception299.xcs.json",
        "Tests/Models/MiniXception71.xcs.json",
        "Tests/Models/MiniXception75x79.xcs.json",
        "Tests/Models/MiniXception90x72.xcs.json",
        "Tests/Models/MiniXceptionNotopAvg90x72.xcs.json",
        "Tests/Models/MiniXceptionNotopMax90x72.xcs.json",
        "Tests/Models/MiniXceptionNotopNone90x72.xcs.json",
        "Tests/Models/TinyFlowers.xcs.json",
    };

    /// <summary>The description and its table, with their real absolute paths.</summary>
    public static List<AdditionalText> Files(string descriptionRelative)
    {
        string text = RepoFiles.Read(descriptionRelative);
        string table = Regex.Match(text, "\"table\"\\s*:\\s*\"([^\"]+)\"").Groups[1].Value;
        (string tablePath, string tableText) = RepoFiles.ShapeTable(descriptionRelative, table);
        return new List<AdditionalText>
        {
            new InMemoryAdditionalText(RepoFiles.PathOf(descriptionRelative), text),
            new InMemoryAdditionalText(tablePath, tableText),
        };
    }
}
