namespace Xception.Compiler.Generator;

/// <summary>Names of the tracked pipeline steps (<c>WithTrackingName</c>), asserted by the caching tests.</summary>
internal static class TrackingNames
{
    public const string ModelFiles = nameof(ModelFiles);
    public const string ParseModel = nameof(ParseModel);
    public const string LabelFiles = nameof(LabelFiles);
    public const string BindLabels = nameof(BindLabels);
    public const string WeightTables = nameof(WeightTables);
    public const string Options = nameof(Options);
    public const string Plan = nameof(Plan);
    public const string ExecutionPlan = nameof(ExecutionPlan);
    public const string Emit = nameof(Emit);
    public const string Diagnostics = nameof(Diagnostics);
    public const string ClassNames = nameof(ClassNames);
}
