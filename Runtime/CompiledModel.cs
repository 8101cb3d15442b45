using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime;

/// <summary>
/// The base of every generated model class: input checks, chunking of a batch, the lock that serialises
/// calls, <see cref="Trace"/>, and disposal. A generated class adds only what is specific to its model: the
/// shape constants, the weight table, the weight binding (its constructor and <c>Load</c>) and the step
/// sequence (<see cref="RunSteps"/>).
/// </summary>
/// <remarks>
/// The per-call methods are JIT-compiled fully optimized on their first call instead of tiering up, so the
/// first Predicts are not slowed by background re-JITs of them and of the backend code they call.
/// </remarks>
public abstract class CompiledModel : ICompiledModel
{
    /// <summary>The backend the steps run on; a field so that the step sequence reads it directly.</summary>
    protected readonly ExecutionBackend Backend;

    private readonly int _inputHeight;
    private readonly int _inputWidth;
    private readonly int _inputChannels;
    private readonly int _inputLength;
    private readonly int _outputLength;
    private readonly int _inputSlot;
    private readonly int _outputSlot;
    private readonly int _chunk;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Takes over <paramref name="backend"/> and allocates the buffer plan's slots for one chunk of images.</summary>
    /// <exception cref="InvalidOperationException">The backend asks for chunks outside 1..<paramref name="maxBatch"/>.</exception>
    protected CompiledModel(ExecutionBackend backend, int maxBatch, CompiledModelLayout layout)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(layout);
        Backend = backend;
        _inputHeight = layout.Model.InputHeight;
        _inputWidth = layout.Model.InputWidth;
        _inputChannels = layout.Model.InputChannels;
        _inputLength = layout.Model.InputLength;
        _outputLength = layout.Model.OutputLength;
        _inputSlot = layout.InputSlot;
        _outputSlot = layout.OutputSlot;
        _chunk = backend.ChunkSize(maxBatch);
        if (_chunk < 1 || _chunk > maxBatch)
        {
            throw new InvalidOperationException(
                $"Backend '{backend.Name}' asked for chunks of {_chunk} images; expected between 1 and MaxBatch ({maxBatch}).");
        }

        backend.AllocateBuffers(layout.SlotFloatsPerImage, _chunk);
    }

    /// <summary>The backend running this model (cpu, cuda, ilgpu-cpu, opencl).</summary>
    public string BackendName => Backend.Name;

    int ICompiledModel.InputLength => _inputLength;

    int ICompiledModel.OutputLength => _outputLength;

    /// <summary>Runs the model on a batch of images (NHWC, preprocessed) and returns batch × OutputLength floats.</summary>
    /// <exception cref="ArgumentException">The input length is not a positive multiple of the class's <c>InputLength</c>.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public float[] Predict(ReadOnlySpan<float> input)
    {
        int batch = CheckInput(input);
        var output = new float[checked(batch * _outputLength)];
        Run(input, output, batch);
        return output;
    }

    /// <summary>
    /// Runs the model on <paramref name="batch"/> images (NHWC, preprocessed) and returns batch × OutputLength floats.
    /// Stating the batch turns images of the wrong size into an error instead of a different batch.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not <paramref name="batch"/> images of this model's size.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public float[] Predict(ReadOnlySpan<float> input, int batch)
    {
        CheckInput(input, batch);
        var output = new float[checked(batch * _outputLength)];
        Run(input, output, batch);
        return output;
    }

    /// <summary>Runs the model on a batch of images (NHWC, preprocessed) into <paramref name="output"/> (batch × OutputLength floats).</summary>
    /// <exception cref="ArgumentException">The input length is not a positive multiple of the class's <c>InputLength</c>, or the output length does not match.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        int batch = CheckInput(input);
        CheckOutput(output, batch);
        Run(input, output, batch);
    }

    /// <summary>Runs the model on <paramref name="batch"/> images (NHWC, preprocessed) into <paramref name="output"/> (batch × OutputLength floats).</summary>
    /// <exception cref="ArgumentException">The input is not <paramref name="batch"/> images of this model's size, or the output length does not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        CheckInput(input, batch);
        CheckOutput(output, batch);
        Run(input, output, batch);
    }

    /// <summary>
    /// Runs one image step by step and passes each fused step's output (named by the Keras layer it ends
    /// with) to <paramref name="observer"/>, for finding the first layer that differs from a reference.
    /// Slower than <see cref="Predict(ReadOnlySpan{float})"/>; returns the model's output.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not one image.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public float[] Trace(ReadOnlySpan<float> image, StepObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (CheckInput(image) != 1)
        {
            throw new ArgumentException($"Trace runs one image of {_inputLength} floats, but found {image.Length}.", nameof(image));
        }

        var output = new float[_outputLength];
        lock (_gate)
        {
            ThrowIfDisposed();
            RunChunk(image, output, 1, observer);
        }

        return output;
    }

    /// <summary>Releases the backend and its buffers. Calling it again does nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Backend.Dispose();
        }
    }

    /// <summary>
    /// The model's step sequence on the <paramref name="batch"/> images of one chunk, from the input slot to the
    /// output slot; when <paramref name="observer"/> is not null, each step's output goes to <see cref="Observe"/>.
    /// </summary>
    protected abstract void RunSteps(int batch, StepObserver? observer);

    /// <summary>Reads one step's output for <see cref="Trace"/> (allocates: a debugging path, not the hot one).</summary>
    protected void Observe(StepObserver observer, int step, string layer, int slot, params int[] shape)
    {
        int length = 1;
        foreach (int d in shape)
        {
            length *= d;
        }

        var values = new float[length];
        Backend.ReadOutput(slot, values);
        observer(step, layer, shape, values);
    }

    /// <summary>
    /// What a generated <c>Load</c> does: reads the weights (checked against <paramref name="table"/>), creates the
    /// backend the options ask for, and builds the model with <paramref name="create"/>; the backend is released
    /// if building fails.
    /// </summary>
    protected static TModel Load<TModel>(string weightsPath, InferenceOptions? options, WeightTable table, Func<ExecutionBackend, LoadedWeights, int, TModel> create)
        where TModel : CompiledModel
    {
        ArgumentNullException.ThrowIfNull(create);
        var opts = options ?? new InferenceOptions();
        opts.Validate();
        opts.Calibration?.CheckFor(table);

        // The Cpu backend's per-call code is compiled on the other core while this one reads the weights,
        // instead of in the first Predict (Benchmarks/RESULTS.md, "Cold start").
        LoadTrace.Mark("load: start");
        CpuKernelWarmup? warmup = CpuKernelWarmup.Start(typeof(TModel), opts);
        try
        {
            var weights = KerasWeightFile.Load(weightsPath, table);
            LoadTrace.Mark("load: weights read");
            var backend = ExecutionBackends.Create(opts);
            TModel model;
            try
            {
                model = create(backend, weights, opts.MaxBatch);
            }
            catch
            {
                backend.Dispose();
                throw;
            }

            LoadTrace.Mark("load: model built (BN folded, panels packed)");

            // Never left running into the first Predict (it would compete with the workers for the cores); the
            // loading thread compiles the rest of the list with the worker instead of waiting idle.
            warmup?.HelpAndWait();
            warmup = null;
            LoadTrace.Mark("load: warm-up joined");
            return model;
        }
        finally
        {
            // A failed load waits without helping, so that its error is not delayed by more compiling; it never throws.
            warmup?.Wait();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            for (int start = 0; start < batch; start += _chunk)
            {
                int count = Math.Min(_chunk, batch - start);
                RunChunk(input.Slice(start * _inputLength, count * _inputLength), output.Slice(start * _outputLength, count * _outputLength), count, observer: null);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunChunk(ReadOnlySpan<float> input, Span<float> output, int batch, StepObserver? observer)
    {
        Backend.WriteInput(_inputSlot, input);
        RunSteps(batch, observer);
        Backend.ReadOutput(_outputSlot, output);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(GetType().Name);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CheckInput(ReadOnlySpan<float> input)
    {
        ThrowIfDisposed();
        if (input.Length == 0 || input.Length % _inputLength != 0)
        {
            throw new ArgumentException(
                $"Expected the input length to be a positive multiple of {_inputLength} (one image is {_inputHeight}×{_inputWidth}×{_inputChannels}, NHWC), but found {input.Length}.", nameof(input));
        }

        return input.Length / _inputLength;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckInput(ReadOnlySpan<float> input, int batch)
    {
        ThrowIfDisposed();
        if (batch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Expected a batch of at least 1 image, but found {batch}.");
        }

        long expected = (long)batch * _inputLength;
        if (input.Length != expected)
        {
            throw new ArgumentException(
                $"Expected {batch} images × {_inputHeight}×{_inputWidth}×{_inputChannels} (NHWC) = {expected} floats, but found {input.Length} floats"
                + (input.Length % _inputLength == 0 ? $" ({input.Length / _inputLength} images of this size)." : "."),
                nameof(input));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckOutput(Span<float> output, int batch)
    {
        long expected = (long)batch * _outputLength;
        if (output.Length != expected)
        {
            throw new ArgumentException(
                $"Expected an output of {expected} floats ({batch} images × {_outputLength}), but found {output.Length}.", nameof(output));
        }
    }
}
