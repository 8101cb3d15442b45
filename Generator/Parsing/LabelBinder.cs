using System;
using System.Collections.Generic;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// Fills in the class names of a description whose <c>labels</c> is a path, from the labels file among the
/// AdditionalFiles (matched like the weight table: relative to the description, exact case first). A
/// missing or malformed file makes the model fail with XCS0027; the count is checked by the planner.
/// </summary>
internal static class LabelBinder
{
    public static ParsedModel Bind(ParsedModel parsed, IReadOnlyList<ParsedLabelFile> files)
    {
        ModelSpec? spec = parsed.Spec;
        if (spec?.Labels.Path is not { } path)
        {
            return parsed;
        }

        string resolved = PathResolution.Resolve(spec.FilePath, path);
        ParsedLabelFile? match = Find(files, resolved, StringComparison.Ordinal) ?? Find(files, resolved, StringComparison.OrdinalIgnoreCase);
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        if (match is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusableLabelFile.Id, parsed.FilePath, spec.Labels.Span, path,
                "it (resolved to '" + resolved + "') is not among the AdditionalFiles; name it *.labels.txt or *.labels.json, or add it with <AdditionalFiles Include=\"...\" />"));
            return parsed with { Spec = null, Diagnostics = diagnostics.ToEquatableArray() };
        }

        if (match.Names is not { } names)
        {
            diagnostics.AddRange(match.Diagnostics);
            return parsed with { Spec = null, Diagnostics = diagnostics.ToEquatableArray() };
        }

        return parsed with { Spec = spec with { Labels = spec.Labels with { Names = names } } };
    }

    // Several files differing only in case match none under the case-insensitive rule (as for weight tables).
    private static ParsedLabelFile? Find(IReadOnlyList<ParsedLabelFile> files, string resolved, StringComparison comparison)
    {
        ParsedLabelFile? match = null;
        int found = 0;
        foreach (ParsedLabelFile file in files)
        {
            if (string.Equals(PathResolution.Normalize(file.FilePath), resolved, comparison))
            {
                match = file;
                found++;
            }
        }

        return found == 1 ? match : null;
    }
}
