namespace Xception.Compiler.Runtime;

/// <summary>
/// What every generated model class offers as a type, not as an instance: its <see cref="CompiledModelInfo"/> and
/// its <c>Load</c>. Code generic over <typeparamref name="TSelf"/> can then describe and load any compiled model,
/// as <c>Entry&lt;TModel&gt;() where TModel : ICompiledModelClass&lt;TModel&gt;</c> does, with no per-class code.
/// </summary>
/// <typeparam name="TSelf">The generated class itself.</typeparam>
public interface ICompiledModelClass<TSelf>
    where TSelf : ICompiledModel
{
    /// <summary>The class's shape, weight table and declared facts.</summary>
    static abstract CompiledModelInfo Info { get; }

    /// <summary>Loads the weights from a Keras .h5 file and prepares the backend.</summary>
    static abstract TSelf Load(string weightsPath, InferenceOptions? options = null);
}
