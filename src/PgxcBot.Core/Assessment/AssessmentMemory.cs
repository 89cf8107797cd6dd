namespace PgxcBot.Core.Assessment;

/// <summary>
/// The latest assessment any part of the bot made (the monitor's poll, a status command). Each new
/// assessment is made with the previous one, which carries the last sighting of every master: once a master
/// is gone, that sighting is what says whether its slave had every commit, and if not, how much it lacked.
/// In memory only: after a restart the stored pair state is the evidence until the next sighting.
/// </summary>
public sealed class AssessmentMemory
{
    private ClusterAssessment? _latest;

    public ClusterAssessment? Latest => Volatile.Read(ref _latest);

    public void Remember(ClusterAssessment assessment) => Volatile.Write(ref _latest, assessment);
}
