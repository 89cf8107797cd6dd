using System.Reflection;
using PgxcBot.Core.Topology;
using Xunit;

namespace PgxcBot.Tests.Topology;

/// <summary>
/// The configuration binder reflects over the option classes; the ahead-of-time compiled bot keeps their public
/// properties and constructors only because it keeps PgxcBot.Core whole. These tests hold that assumption: every class
/// the binder can meet is in PgxcBot.Core and has the parameterless constructor it calls.
/// </summary>
public sealed class ConfigTypesTests
{
    [Fact]
    public void Every_class_the_config_binder_meets_is_in_PgxcBot_Core_with_a_public_parameterless_constructor()
    {
        var met = Walk(typeof(PgxcBotOptions));

        Assert.Contains(typeof(PgxcBotOptions), met);
        Assert.True(met.Count > 5, $"the walk met only {met.Count} classes: {string.Join(", ", met.Select(t => t.Name))}");
        foreach (var type in met)
        {
            Assert.True(type.Assembly == typeof(PgxcBotOptions).Assembly, $"{type.FullName} is bound from the config but lives in {type.Assembly.GetName().Name}");
            Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
        }
    }

    [Fact]
    public void The_walk_sees_a_class_behind_a_list_and_a_nullable()
    {
        var met = Walk(typeof(Holder));

        Assert.Contains(typeof(Item), met);
        Assert.Contains(typeof(Inner), met);
    }

    /// <summary>The classes the binder would create: the root, and every class reached through writable public
    /// properties, list items included (strings and numbers are not classes it creates).</summary>
    private static HashSet<Type> Walk(Type root)
    {
        var met = new HashSet<Type>();
        Visit(root);
        return met;

        void Visit(Type type)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                Visit(type.GetGenericArguments()[0]);
                return;
            }
            if (!type.IsClass || type == typeof(string) || !met.Add(type)) return;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
                Visit(property.PropertyType);
        }
    }

    public sealed class Holder
    {
        public List<Item> Items { get; set; } = [];
        public Inner? Inner { get; set; }
    }

    public sealed class Item;

    public sealed class Inner;
}
