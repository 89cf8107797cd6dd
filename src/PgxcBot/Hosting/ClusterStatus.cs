using PgxcBot.Core.Assessment;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Hosting;

/// <summary>An assessment and the pair states the state machine holds after seeing it.</summary>
public sealed record ClusterStatus(ClusterAssessment Assessment, IReadOnlyDictionary<string, PairState> States);
