using System;
using System.Text;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>
/// An indenting text writer with <c>\n</c> newlines and a disposable <see cref="Block"/> for braces,
/// so emitted code reads like the code it produces.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new(64 * 1024);
    private int _indent;

    public void WriteLine(string line)
    {
        if (line.Length == 0)
        {
            _builder.Append('\n');
            return;
        }

        for (int i = 0; i < _indent; i++)
        {
            _builder.Append(IndentUnit);
        }

        _builder.Append(line).Append('\n');
    }

    public void WriteLine() => _builder.Append('\n');

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until disposed.</summary>
    public BlockScope Block(string header, string closing = "}")
    {
        WriteLine(header);
        WriteLine("{");
        _indent++;
        return new BlockScope(this, closing);
    }

    /// <summary>Indents the lines written until disposed (for continued expressions).</summary>
    public BlockScope Indented()
    {
        _indent++;
        return new BlockScope(this, null);
    }

    /// <summary>A bare <c>{ }</c> scope (used to keep locals of one step apart).</summary>
    public BlockScope Scope()
    {
        WriteLine("{");
        _indent++;
        return new BlockScope(this, "}");
    }

    public override string ToString()
    {
        if (_indent != 0)
        {
            throw new InvalidOperationException("unbalanced blocks in the emitted source");
        }

        return _builder.ToString();
    }

    internal readonly struct BlockScope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string? _closing;

        public BlockScope(SourceWriter writer, string? closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer._indent--;
            if (_closing is not null)
            {
                _writer.WriteLine(_closing);
            }
        }
    }
}
