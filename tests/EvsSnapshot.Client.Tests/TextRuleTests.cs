using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Tests;

/// <summary>The one text rule table: blank, length, characters, with error ids built from the rule's prefix.</summary>
public class TextRuleTests
{
    private static readonly TextRule Name = new("widget name", "WidgetName", 5) { EmptyHint = "Pass a name." };
    private static readonly TextRule Note = new("note", "Note", 5) { AllowBlank = true, AllowLineBreaks = true, EchoInvalidValue = false };

    [Theory]
    [InlineData("", "WidgetNameEmpty")]
    [InlineData("  ", "WidgetNameEmpty")]
    [InlineData("abcdef", "WidgetNameTooLong")]
    [InlineData("a\nb", "WidgetNameInvalidCharacter")]
    [InlineData("a\u0007", "WidgetNameInvalidCharacter")]
    [InlineData("a\u202Eb", "WidgetNameInvalidCharacter")]
    public void Refusals_HaveTheRulesIds(string value, string errorId)
    {
        var ex = Assert.Throws<EvsValidationException>(() => Name.Check(value, "Name"));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal("Name", ex.ParameterName);
        Assert.StartsWith("The widget name", ex.Message);
    }

    [Fact]
    public void TheLengthMessage_SaysBothNumbers()
    {
        var ex = Assert.Throws<EvsValidationException>(() => Name.Check("abcdefg", "Name"));
        Assert.Contains("7 characters", ex.Message);
        Assert.Contains("at most 5", ex.Message);
    }

    [Fact]
    public void TheEmptyHint_IsAdded() => Assert.EndsWith("Pass a name.", Assert.Throws<EvsValidationException>(() => Name.Check("", "Name")).Message);

    [Theory]
    [InlineData("")]
    [InlineData("a\nb")]
    [InlineData("a\tb")]
    public void ALooserRule_AllowsWhatItSays(string value) => Assert.Equal(value, Note.Check(value, "Note"));

    [Fact]
    public void WithEchoOff_TheValueIsNotRepeated()
    {
        var ex = Assert.Throws<EvsValidationException>(() => Note.Check("a\u0001b", "Note"));
        Assert.Equal("The note contains a control character.", ex.Message);
    }

    [Fact]
    public void ASubjectOverride_NamesTheItem() =>
        Assert.Contains("note of key 'k'", Assert.Throws<EvsValidationException>(() => Note.Check("123456", "Note", "note of key 'k'")).Message);
}
