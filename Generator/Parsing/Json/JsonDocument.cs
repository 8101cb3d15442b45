using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Parsing.Json;

/// <summary>
/// A small strict JSON reader (RFC 8259) that records where every value came from, so diagnostics can
/// point into the file. It never throws on input: any text gives either a tree or one error with a
/// position. Nesting is limited to <see cref="MaxDepth"/> so hostile input cannot exhaust the stack.
/// </summary>
internal sealed class JsonDocument
{
    public const int MaxDepth = 64;

    private readonly string _text;
    private readonly List<int> _lineStarts;
    private int _pos;

    private JsonDocument(string text)
    {
        _text = text;
        _lineStarts = ComputeLineStarts(text);
    }

    public JsonNode? Root { get; private set; }

    public string? Error { get; private set; }

    public int ErrorStart { get; private set; }

    public int ErrorEnd { get; private set; }

    public static JsonDocument Parse(string text)
    {
        var doc = new JsonDocument(text);
        doc.ParseDocument();
        return doc;
    }

    /// <summary>The span of characters [start, end) with zero-based lines and columns.</summary>
    public SourceSpan Span(int start, int end)
    {
        start = Clamp(start);
        end = Math.Max(start, Clamp(end));
        (int startLine, int startColumn) = LineColumn(start);
        (int endLine, int endColumn) = LineColumn(end);
        return new SourceSpan(start, end - start, startLine, startColumn, endLine, endColumn);
    }

    public SourceSpan Span(JsonNode node) => Span(node.Start, node.End);

    public SourceSpan NameSpan(JsonMember member) => Span(member.NameStart, member.NameEnd);

    /// <summary>Zero-based line of an offset, for messages that mention another place in the file.</summary>
    public int Line(int offset) => LineColumn(Clamp(offset)).Line;

    private int Clamp(int offset) => offset < 0 ? 0 : offset > _text.Length ? _text.Length : offset;

    private (int Line, int Column) LineColumn(int offset)
    {
        int lo = 0;
        int hi = _lineStarts.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_lineStarts[mid] <= offset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return (lo, offset - _lineStarts[lo]);
    }

    // Line breaks as Roslyn's SourceText counts them, so positions agree with the IDE.
    private static List<int> ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                starts.Add(i + 1);
            }
            else if (c is '\n' or '\u2028' or '\u2029' or '\u0085')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private void ParseDocument()
    {
        if (_text.Length > 0 && _text[0] == '\uFEFF')
        {
            _pos = 1;
        }

        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            Fail("the file is empty", _pos, _pos);
            return;
        }

        JsonNode? root = ParseValue(1);
        if (root is null)
        {
            return;
        }

        SkipWhitespace();
        if (_pos < _text.Length)
        {
            Fail("unexpected " + DescribeToken(_pos) + " after the end of the document", _pos, TokenEnd(_pos));
            return;
        }

        Root = root;
    }

    private JsonNode? ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            Fail("nesting is deeper than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels", _pos, _pos + 1);
            return null;
        }

        if (_pos >= _text.Length)
        {
            Fail("unexpected end of file, expected a value", _pos, _pos);
            return null;
        }

        char c = _text[_pos];
        switch (c)
        {
            case '{':
                return ParseObject(depth);
            case '[':
                return ParseArray(depth);
            case '"':
                return ParseString();
            case 't':
                return ParseLiteral("true", JsonKind.True);
            case 'f':
                return ParseLiteral("false", JsonKind.False);
            case 'n':
                return ParseLiteral("null", JsonKind.Null);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber();
                }

                Fail("unexpected " + DescribeToken(_pos) + ", expected a value", _pos, TokenEnd(_pos));
                return null;
        }
    }

    private JsonNode? ParseObject(int depth)
    {
        var node = new JsonNode(JsonKind.Object, _pos);
        _pos++;
        SkipWhitespace();
        if (_pos < _text.Length && _text[_pos] == '}')
        {
            _pos++;
            node.End = _pos;
            return node;
        }

        while (true)
        {
            SkipWhitespace();
            if (_pos >= _text.Length)
            {
                Fail("unexpected end of file inside an object (missing '}')", node.Start, node.Start + 1);
                return null;
            }

            if (_text[_pos] != '"')
            {
                Fail("unexpected " + DescribeToken(_pos) + ", expected a member name in double quotes", _pos, TokenEnd(_pos));
                return null;
            }

            int nameStart = _pos;
            JsonNode? name = ParseString();
            if (name is null)
            {
                return null;
            }

            int nameEnd = _pos;
            SkipWhitespace();
            if (_pos >= _text.Length || _text[_pos] != ':')
            {
                Fail(_pos >= _text.Length ? "unexpected end of file, expected ':'" : "unexpected " + DescribeToken(_pos) + ", expected ':'", _pos, TokenEnd(_pos));
                return null;
            }

            _pos++;
            SkipWhitespace();
            JsonNode? value = ParseValue(depth + 1);
            if (value is null)
            {
                return null;
            }

            node.Members.Add(new JsonMember(name.Text ?? string.Empty, nameStart, nameEnd, value));
            SkipWhitespace();
            if (_pos >= _text.Length)
            {
                Fail("unexpected end of file inside an object (missing '}')", node.Start, node.Start + 1);
                return null;
            }

            if (_text[_pos] == ',')
            {
                _pos++;
                continue;
            }

            if (_text[_pos] == '}')
            {
                _pos++;
                node.End = _pos;
                return node;
            }

            Fail("unexpected " + DescribeToken(_pos) + ", expected ',' or '}'", _pos, TokenEnd(_pos));
            return null;
        }
    }

    private JsonNode? ParseArray(int depth)
    {
        var node = new JsonNode(JsonKind.Array, _pos);
        _pos++;
        SkipWhitespace();
        if (_pos < _text.Length && _text[_pos] == ']')
        {
            _pos++;
            node.End = _pos;
            return node;
        }

        while (true)
        {
            SkipWhitespace();
            JsonNode? item = ParseValue(depth + 1);
            if (item is null)
            {
                return null;
            }

            node.Items.Add(item);
            SkipWhitespace();
            if (_pos >= _text.Length)
            {
                Fail("unexpected end of file inside an array (missing ']')", node.Start, node.Start + 1);
                return null;
            }

            if (_text[_pos] == ',')
            {
                _pos++;
                continue;
            }

            if (_text[_pos] == ']')
            {
                _pos++;
                node.End = _pos;
                return node;
            }

            Fail("unexpected " + DescribeToken(_pos) + ", expected ',' or ']'", _pos, TokenEnd(_pos));
            return null;
        }
    }

    private JsonNode? ParseString()
    {
        var node = new JsonNode(JsonKind.String, _pos);
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                Fail("unterminated string", node.Start, _pos);
                return null;
            }

            char c = _text[_pos];
            if (c == '"')
            {
                _pos++;
                break;
            }

            if (c < ' ')
            {
                Fail("control character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " in a string (escape it)", _pos, _pos + 1);
                return null;
            }

            if (c != '\\')
            {
                sb.Append(c);
                _pos++;
                continue;
            }

            if (_pos + 1 >= _text.Length)
            {
                Fail("unterminated string", node.Start, _pos);
                return null;
            }

            char e = _text[_pos + 1];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 6 > _text.Length
                        || !int.TryParse(_text.Substring(_pos + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        Fail("invalid \\u escape (expected four hex digits)", _pos, Math.Min(_text.Length, _pos + 6));
                        return null;
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    Fail("invalid escape '\\" + Printable(e) + "'", _pos, _pos + 2);
                    return null;
            }

            _pos += 2;
        }

        node.End = _pos;
        node.Text = sb.ToString();
        return node;
    }

    private JsonNode? ParseNumber()
    {
        var node = new JsonNode(JsonKind.Number, _pos);
        int p = _pos;
        if (p < _text.Length && _text[p] == '-')
        {
            p++;
        }

        if (p >= _text.Length || !IsDigit(_text[p]))
        {
            Fail("invalid number " + DescribeToken(_pos), _pos, TokenEnd(_pos));
            return null;
        }

        if (_text[p] == '0')
        {
            p++;
        }
        else
        {
            while (p < _text.Length && IsDigit(_text[p]))
            {
                p++;
            }
        }

        if (p < _text.Length && _text[p] == '.')
        {
            p++;
            if (p >= _text.Length || !IsDigit(_text[p]))
            {
                Fail("invalid number (digits expected after '.')", _pos, TokenEnd(_pos));
                return null;
            }

            while (p < _text.Length && IsDigit(_text[p]))
            {
                p++;
            }
        }

        if (p < _text.Length && (_text[p] == 'e' || _text[p] == 'E'))
        {
            p++;
            if (p < _text.Length && (_text[p] == '+' || _text[p] == '-'))
            {
                p++;
            }

            if (p >= _text.Length || !IsDigit(_text[p]))
            {
                Fail("invalid number (digits expected in the exponent)", _pos, TokenEnd(_pos));
                return null;
            }

            while (p < _text.Length && IsDigit(_text[p]))
            {
                p++;
            }
        }

        if (p < _text.Length && (char.IsLetterOrDigit(_text[p]) || _text[p] == '.'))
        {
            Fail("invalid number " + DescribeToken(_pos), _pos, TokenEnd(_pos));
            return null;
        }

        node.Text = _text.Substring(_pos, p - _pos);
        _pos = p;
        node.End = p;
        return node;
    }

    private JsonNode? ParseLiteral(string literal, JsonKind kind)
    {
        int end = TokenEnd(_pos);
        if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0 || end != _pos + literal.Length)
        {
            Fail("unexpected " + DescribeToken(_pos) + ", expected a value", _pos, end);
            return null;
        }

        var node = new JsonNode(kind, _pos);
        _pos += literal.Length;
        node.End = _pos;
        return node;
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
            else
            {
                return;
            }
        }
    }

    // The end of an identifier-like token (NaN, Infinity, True) or of one odd character.
    private int TokenEnd(int start)
    {
        if (start >= _text.Length)
        {
            return start;
        }

        int p = start;
        while (p < _text.Length && p - start < 64 && (char.IsLetterOrDigit(_text[p]) || _text[p] is '_' or '-' or '+' or '.'))
        {
            p++;
        }

        return p == start ? start + 1 : p;
    }

    private string DescribeToken(int start)
    {
        if (start >= _text.Length)
        {
            return "end of file";
        }

        int end = TokenEnd(start);
        string token = _text.Substring(start, end - start);
        if (token.Length == 1)
        {
            return "character '" + Printable(token[0]) + "'";
        }

        return "token '" + token + "'";
    }

    private static string Printable(char c) =>
        c < ' ' || c == '\u007F' || char.IsSurrogate(c) || c == '\uFFFD' || c == '\uFEFF'
            ? "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
            : c.ToString();

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private void Fail(string message, int start, int end)
    {
        if (Error is null)
        {
            Error = message;
            ErrorStart = Clamp(start);
            ErrorEnd = Math.Max(ErrorStart, Clamp(end));
        }
    }
}
