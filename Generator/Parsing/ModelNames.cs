using System;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>Checks on the C# names a description contributes (class name, namespace).</summary>
internal static class ModelNames
{
    /// <summary>
    /// The longest class name or namespace accepted, in UTF-8 bytes: metadata holds names of at most 1024 bytes
    /// (CS7013), and the hint name and file paths derive from the class name, so stay well below.
    /// </summary>
    public const int MaxNameBytes = 512;

    /// <summary>Null when <paramref name="name"/> can be the generated class name, else why not.</summary>
    public static string? Validate(string name)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            return "it is longer than " + MaxNameBytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        }

        if (!SyntaxFacts.IsValidIdentifier(name))
        {
            return "it is not a valid C# identifier";
        }

        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None)
        {
            return "it is a C# keyword";
        }

        bool lowerAscii = true;
        foreach (char c in name)
        {
            if (!(c >= 'a' && c <= 'z'))
            {
                lowerAscii = false;
            }
        }

        if (lowerAscii)
        {
            return "all-lowercase ASCII type names are reserved for future C# keywords (CS8981)";
        }

        if (Emitting.GeneratedMembers.IsReserved(name))
        {
            return "the generated class has a member of that name";
        }

        return null;
    }

    public static bool IsValidNamespace(string? ns)
    {
        if (string.IsNullOrEmpty(ns) || System.Text.Encoding.UTF8.GetByteCount(ns) > MaxNameBytes)
        {
            return false;
        }

        foreach (string part in ns!.Split('.'))
        {
            if (!SyntaxFacts.IsValidIdentifier(part) || SyntaxFacts.GetKeywordKind(part) != SyntaxKind.None || part == "global")
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsIdentifierLike(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
