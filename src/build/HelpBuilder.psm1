# Builds the module's console help from docs/en-US without PlatyPS: the cmdlet pages (PlatyPS markdown schema
# 2.0.0) become one MAML file per "external help file" (the XML PlatyPS's New-ExternalHelp writes), and the
# about_*.help.md topics become about_*.help.txt. Plain PowerShell and .NET only.
#
# Speed matters (it runs in every build): documents are cut up with a few whole-text regular expressions
# rather than line by line, and the XML is written from string templates.

Set-StrictMode -Version 3.0

$script:AllSets = '(All)'
$script:Sections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$script:FrontMatterRegex = [regex]::new('\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\z)', 'Singleline')
$script:KeyValueRegex = [regex]::new('(?m)^[ \t]*([^:\n]+?)[ \t]*:[ \t]*(.*?)[ \t]*$')
$script:FenceRegex = [regex]::new('(?ms)^[ \t]*(`{3,})[ \t]*([\w-]*)[ \t]*\n(.*?)\n?^[ \t]*\1[ \t]*$')
$script:HeadingRegex = [regex]::new('(?m)^(#{1,6})[ \t]+(.+?)[ \t#]*$')
$script:PlaceholderRegex = [regex]::new("`u{1}(\d+)`u{1}")
$script:ParagraphBreakRegex = [regex]::new('\n[ \t]*\n\s*')
$script:ListItemRegex = [regex]::new('^[ \t]*([-*+]|\d+\.)[ \t]+(.*)$')
$script:EscapeRegex = [regex]::new('\\([\\<>\[\]`()*_])')
$script:LinkRegex = [regex]::new('\[([^\]]+)\]\(([^)]*)\)')
$script:SyntaxParameterRegex = [regex]::new('(?<=[\s\[])-(\w+)')

# ------------------------------------------------------------------------------------------------ markdown

function Read-MarkdownDocument {
    <#
    One markdown file as: front matter, fenced code blocks (replaced in the text by placeholders, so '#' lines
    inside code are never headings), and a flat list of headings with the text that follows each.
    #>
    param([string] $Path)
    $text = [System.IO.File]::ReadAllText($Path).Replace("`r`n", "`n").Replace("`r", "`n")
    $metadata = [ordered]@{}
    $front = $script:FrontMatterRegex.Match($text)
    $offset = 0
    if ($front.Success) {
        foreach ($kv in $script:KeyValueRegex.Matches($front.Groups[1].Value)) { $metadata[$kv.Groups[1].Value] = $kv.Groups[2].Value }
        $offset = $front.Length
    }

    $code = [System.Collections.Generic.List[object]]::new()
    $body = [System.Text.StringBuilder]::new()
    $position = $offset
    foreach ($fence in $script:FenceRegex.Matches($text, $offset)) {
        $null = $body.Append($text, $position, $fence.Index - $position)
        $entry = [pscustomobject]@{ Language = $fence.Groups[2].Value; Text = $fence.Groups[3].Value; At = $body.Length; Shift = 0 }
        $code.Add($entry)
        $null = $body.Append("`u{1}").Append($code.Count - 1).Append("`u{1}")
        $position = $fence.Index + $fence.Length
        $entry.Shift = $position - $body.Length
    }
    $null = $body.Append($text, $position, $text.Length - $position)
    $rest = $body.ToString()
    $doc = [pscustomobject]@{ Path = $Path; Metadata = $metadata; Lead = $null; Headings = $null; Code = $code; Text = $rest; Source = $text; Offset = $offset }
    $stray = [regex]::Match($rest, '(?m)^[ \t]*```')
    if ($stray.Success) { throw "${Path}:$(Get-LineNumber $doc $stray.Index): a code block is opened here and never closed." }

    $headings = [System.Collections.Generic.List[object]]::new()
    $found = $script:HeadingRegex.Matches($rest)
    $doc.Lead = if ($found.Count) { $rest.Substring(0, $found[0].Index) } else { $rest }
    for ($i = 0; $i -lt $found.Count; $i++) {
        $m = $found[$i]
        $start = $m.Index + $m.Length
        $end = if ($i + 1 -lt $found.Count) { $found[$i + 1].Index } else { $rest.Length }
        $headings.Add([pscustomobject]@{ Level = $m.Groups[1].Length; Title = $m.Groups[2].Value; Body = $rest.Substring($start, $end - $start); Index = $m.Index })
    }
    $doc.Headings = $headings
    $doc
}

function Get-LineNumber($Document, [int] $Index) {
    # An index into the text with placeholders -> the line in the file (only needed for error messages).
    $original = $Index + $Document.Offset
    foreach ($c in $Document.Code) { if ($c.At -lt $Index) { $original = $Index + $c.Shift } }
    $line = 1
    $source = $Document.Source
    for ($i = 0; $i -lt $original -and $i -lt $source.Length; $i++) { if ($source[$i] -eq "`n") { $line++ } }
    $line
}

function ConvertFrom-MarkdownInline([string] $Text) {
    # PlatyPS keeps inline markdown as typed, except the escapes its own renderer adds (\< \> \[ \] \` \\).
    $script:EscapeRegex.Replace($Text, '$1')
}

function Split-CodePlaceholder {
    <# A heading's body as alternating pieces: @{ Kind = 'Text' | 'Code'; ... } in order. #>
    param($Document, [string] $Body)
    $pieces = [System.Collections.Generic.List[object]]::new()
    $position = 0
    foreach ($m in $script:PlaceholderRegex.Matches($Body)) {
        if ($m.Index -gt $position) { $pieces.Add([pscustomobject]@{ Kind = 'Text'; Text = $Body.Substring($position, $m.Index - $position); Code = $null }) }
        $pieces.Add([pscustomobject]@{ Kind = 'Code'; Text = $null; Code = $Document.Code[[int]$m.Groups[1].Value] })
        $position = $m.Index + $m.Length
    }
    if ($position -lt $Body.Length) { $pieces.Add([pscustomobject]@{ Kind = 'Text'; Text = $Body.Substring($position); Code = $null }) }
    , $pieces
}

function ConvertTo-Paragraph {
    <#
    Markdown text -> paragraphs, as PlatyPS keeps them: blank lines separate paragraphs (an empty paragraph
    between them, which Get-Help shows as a blank line), soft-wrapped lines are joined, each list item and
    table row is a paragraph of its own, and code inside prose is kept line by line, indented.
    #>
    param($Document, [string] $Text)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    foreach ($piece in (Split-CodePlaceholder $Document $Text)) {
        if ($piece.Kind -eq 'Code') {
            if ($paragraphs.Count -and $paragraphs[$paragraphs.Count - 1] -ne '') { $paragraphs.Add('') }
            foreach ($codeLine in $piece.Code.Text.Split("`n")) { $paragraphs.Add('    ' + $codeLine) }
            $paragraphs.Add('')
            continue
        }
        foreach ($block in $script:ParagraphBreakRegex.Split($piece.Text.Trim())) {
            if ($block.Length -eq 0) { continue }
            if ($paragraphs.Count -and $paragraphs[$paragraphs.Count - 1] -ne '') { $paragraphs.Add('') }
            if ($block.IndexOf("`n") -lt 0 -or -not ($block -match '(?m)^[ \t]*(([-*+]|\d+\.)[ \t]|\|)')) {
                $paragraphs.Add((ConvertFrom-MarkdownInline ($block -replace '[ \t]*\n[ \t]*', ' ').Trim()))
                continue
            }
            $current = $null
            foreach ($line in $block.Split("`n")) {
                $trimmed = $line.Trim()
                if ($script:ListItemRegex.IsMatch($line) -or $trimmed.StartsWith('|')) {
                    if ($null -ne $current) { $paragraphs.Add((ConvertFrom-MarkdownInline $current)) }
                    $current = $trimmed
                }
                elseif ($null -eq $current) { $current = $trimmed }
                else { $current += ' ' + $trimmed }
            }
            if ($null -ne $current) { $paragraphs.Add((ConvertFrom-MarkdownInline $current)) }
        }
    }
    while ($paragraphs.Count -and $paragraphs[$paragraphs.Count - 1] -eq '') { $paragraphs.RemoveAt($paragraphs.Count - 1) }
    , $paragraphs.ToArray()
}

function Read-CommandMarkdown {
    <# Parses one cmdlet page (PlatyPS schema 2.0.0) into a plain object. Throws on a schema violation. #>
    param([string] $Path)
    $doc = Read-MarkdownDocument $Path
    if ($doc.Metadata['schema'] -ne '2.0.0') { throw "${Path}: the front matter must say 'schema: 2.0.0'." }
    if ($doc.Lead.Trim().Length) { throw "${Path}: text before the '# <Command name>' heading." }
    $fail = { param($heading, $message) throw "${Path}:$(Get-LineNumber $doc $heading.Index): $message" }

    $name = $null
    $sections = @{}
    $current = $null
    foreach ($h in $doc.Headings) {
        if ($h.Level -eq 1) {
            if ($name) { & $fail $h 'a second "#" heading; one command per file.' }
            $name = $h.Title.Trim()
            if ($h.Body.Trim().Length) { & $fail $h 'text between the command name and the first section.' }
            continue
        }
        if ($h.Level -eq 2) {
            $title = $h.Title.Trim().ToUpperInvariant()
            if ($title -notin $script:Sections) { & $fail $h "unknown section '## $title' (PlatyPS schema 2.0.0)." }
            if ($sections.ContainsKey($title)) { & $fail $h "section '## $title' appears twice." }
            $current = [pscustomobject]@{ Heading = $h; Children = [System.Collections.Generic.List[object]]::new() }
            $sections[$title] = $current
            continue
        }
        if ($null -eq $current) { & $fail $h 'a heading before the first "##" section.' }
        if ($h.Level -ne 3) { & $fail $h 'only "###" headings are allowed inside a section.' }
        $current.Children.Add($h)
    }
    if (-not $name) { throw "${Path}: the '# <Command name>' heading is missing." }
    foreach ($required in $script:Sections) { if (-not $sections.ContainsKey($required)) { throw "${Path}: the '## $required' section is missing." } }

    $command = [pscustomobject]@{
        Path        = $Path
        Metadata    = $doc.Metadata
        Name        = $name
        Synopsis    = ConvertTo-Paragraph $doc $sections['SYNOPSIS'].Heading.Body
        Description = ConvertTo-Paragraph $doc $sections['DESCRIPTION'].Heading.Body
        Notes       = ConvertTo-Paragraph $doc $sections['NOTES'].Heading.Body
        Syntax      = [System.Collections.Generic.List[object]]::new()
        Examples    = [System.Collections.Generic.List[object]]::new()
        Parameters  = [System.Collections.Generic.List[object]]::new()
        Inputs      = [System.Collections.Generic.List[object]]::new()
        Outputs     = [System.Collections.Generic.List[object]]::new()
        Links       = [System.Collections.Generic.List[object]]::new()
    }
    if ($command.Synopsis.Count -eq 0) { throw "${Path}: the synopsis is empty." }
    foreach ($section in 'SYNOPSIS', 'DESCRIPTION', 'NOTES') {
        if ($sections[$section].Children.Count) { & $fail $sections[$section].Children[0] "no '###' headings in '## $section'." }
    }

    # SYNTAX: one code block per parameter set; a '### Name (Default)' heading for each when there are several.
    $syntaxSection = $sections['SYNTAX']
    $blocks = @(@([pscustomobject]@{ Title = $null; Body = $syntaxSection.Heading.Body; Heading = $syntaxSection.Heading }) +
        @($syntaxSection.Children | ForEach-Object { [pscustomobject]@{ Title = $_.Title.Trim(); Body = $_.Body; Heading = $_ } }))
    foreach ($block in $blocks) {
        foreach ($piece in (Split-CodePlaceholder $doc $block.Body)) {
            if ($piece.Kind -ne 'Code') {
                if ($piece.Text.Trim().Length) { & $fail $block.Heading 'only code blocks belong in SYNTAX.' }
                continue
            }
            $setName = $null; $isDefault = $false
            if ($block.Title -and $block.Title -match '^(.+?)(\s+\(Default\))?$') { $setName = $Matches[1]; $isDefault = [bool]$Matches[2] }
            $order = [System.Collections.Generic.List[string]]::new()
            foreach ($m in $script:SyntaxParameterRegex.Matches($piece.Code.Text)) { $order.Add($m.Groups[1].Value) }
            $command.Syntax.Add([pscustomobject]@{ Name = $setName; IsDefault = $isDefault; Order = $order.ToArray(); Text = $piece.Code.Text })
        }
    }
    if ($command.Syntax.Count -eq 0) { throw "${Path}: '## SYNTAX' has no code block." }
    if ($command.Syntax.Count -gt 1 -and @($command.Syntax | Where-Object { -not $_.Name }).Count) {
        throw "${Path}: with several syntax blocks, each needs a '### <Parameter set name>' heading."
    }

    # EXAMPLES: '### title', then code blocks (the command, optional sample output), then remarks.
    if ($sections['EXAMPLES'].Heading.Body.Trim().Length) { & $fail $sections['EXAMPLES'].Heading 'text before the first example heading.' }
    foreach ($h in $sections['EXAMPLES'].Children) {
        $code = [System.Collections.Generic.List[object]]::new()
        $introduction = ''
        $remarks = ''
        foreach ($piece in (Split-CodePlaceholder $doc $h.Body)) {
            if ($piece.Kind -eq 'Code') { $code.Add($piece.Code) }
            elseif ($code.Count -eq 0) { $introduction += $piece.Text }
            else { $remarks += $piece.Text }
        }
        if ($code.Count -eq 0) { & $fail $h "example '$($h.Title)' has no code block." }
        $command.Examples.Add([pscustomobject]@{
                Title        = $h.Title.Trim()
                Code         = $code.ToArray()
                Introduction = ConvertTo-Paragraph $doc $introduction
                Remarks      = ConvertTo-Paragraph $doc $remarks
            })
    }

    # PARAMETERS: '### -Name', description, one yaml block per distinct parameter-set behaviour.
    foreach ($h in $sections['PARAMETERS'].Children) {
        $title = $h.Title.Trim()
        if ($title -match '^<?CommonParameters>?$' -or $title -match '^<?WorkflowCommonParameters>?$') { continue }
        if ($title -notmatch '^-(\w+)$') { & $fail $h "a parameter heading must be '### -Name' or '### CommonParameters'." }
        $parameter = [pscustomobject]@{ Name = $Matches[1]; Description = @(); Sets = [System.Collections.Generic.List[object]]::new() }
        $description = ''
        foreach ($piece in (Split-CodePlaceholder $doc $h.Body)) {
            if ($piece.Kind -eq 'Code' -and $piece.Code.Language -eq 'yaml') {
                $yaml = @{}
                foreach ($kv in $script:KeyValueRegex.Matches($piece.Code.Text)) { $yaml[$kv.Groups[1].Value] = $kv.Groups[2].Value }
                foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position', 'Accept pipeline input', 'Accept wildcard characters') {
                    if (-not $yaml.ContainsKey($key)) { & $fail $h "the yaml block of -$($parameter.Name) has no '$key'." }
                }
                $parameter.Sets.Add([pscustomobject]@{
                        Type          = $yaml['Type']
                        ParameterSets = [string[]]@($yaml['Parameter Sets'].Split(',').Trim() | Where-Object { $_ })
                        Aliases       = [string[]]@(if ($yaml['Aliases']) { $yaml['Aliases'].Split(',').Trim() | Where-Object { $_ } })
                        Required      = $yaml['Required'] -eq 'True'
                        Position      = $yaml['Position']
                        DefaultValue  = $yaml['Default value']
                        PipelineInput = $yaml['Accept pipeline input']
                        Globbing      = $yaml['Accept wildcard characters'] -eq 'True'
                    })
            }
            elseif ($parameter.Sets.Count -eq 0) { $description += $(if ($piece.Kind -eq 'Code') { "`u{1}" + $doc.Code.IndexOf($piece.Code) + "`u{1}" } else { $piece.Text }) }
        }
        if ($parameter.Sets.Count -eq 0) { & $fail $h "-$($parameter.Name) has no yaml metadata block." }
        $parameter.Description = ConvertTo-Paragraph $doc $description
        $command.Parameters.Add($parameter)
    }

    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $list = $command.($kind.Substring(0, 1) + $kind.Substring(1).ToLowerInvariant())
        foreach ($h in $sections[$kind].Children) { $list.Add([pscustomobject]@{ TypeName = $h.Title.Trim(); Description = ConvertTo-Paragraph $doc $h.Body }) }
    }

    if ($doc.Metadata['online version']) { $command.Links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $doc.Metadata['online version'] }) }
    foreach ($m in $script:LinkRegex.Matches($sections['RELATED LINKS'].Heading.Body)) {
        $command.Links.Add([pscustomobject]@{ Text = $m.Groups[1].Value; Uri = $m.Groups[2].Value })
    }
    $command
}

# ------------------------------------------------------------------------------------------------ MAML

function ConvertTo-XmlText([string] $Text) { $Text.Replace('&', '&amp;').Replace('<', '&lt;').Replace('>', '&gt;') }

function Add-Paragraph([System.Text.StringBuilder] $Builder, [string[]] $Paragraphs, [string] $Indent) {
    foreach ($para in $Paragraphs) {
        if ($para.Length -eq 0) { $null = $Builder.Append($Indent).Append("<maml:para />`n") }
        else { $null = $Builder.Append($Indent).Append('<maml:para>').Append((ConvertTo-XmlText $para)).Append("</maml:para>`n") }
    }
}

function Add-Description([System.Text.StringBuilder] $Builder, [string[]] $Paragraphs, [string] $Indent, [string] $Tag = 'maml:description') {
    if ($Paragraphs.Count -eq 0) { $null = $Builder.Append("$Indent<$Tag />`n"); return }
    $null = $Builder.Append("$Indent<$Tag>`n")
    Add-Paragraph $Builder $Paragraphs "$Indent  "
    $null = $Builder.Append("$Indent</$Tag>`n")
}

function Get-ExampleTitle([string] $Title) {
    # New-ExternalHelp pads titles with dashes to 64 characters for readability.
    if ([string]::IsNullOrWhiteSpace($Title) -or $Title.Length -ge 62) { return $Title }
    $pad = [int][math]::Floor((64 - $Title.Length - 2) / 2)
    ('-' * $pad) + ' ' + $Title + ' ' + ('-' * $pad)
}

function Add-MamlParameter([System.Text.StringBuilder] $Builder, $Parameter, $Metadata, [bool] $InSyntax, [string] $Indent) {
    $type = $Metadata.Type
    $isSwitch = $type -eq 'System.Management.Automation.SwitchParameter' -or $type -eq 'SwitchParameter' -or $type -eq 'switch'
    if ($isSwitch) { $type = 'System.Management.Automation.SwitchParameter' }
    $aliases = if ($Metadata.Aliases.Count) { $Metadata.Aliases -join ', ' } else { 'none' }
    $default = $Metadata.DefaultValue
    if ($isSwitch -and ([string]::IsNullOrEmpty($default) -or $default -eq 'None')) { $default = 'False' }
    elseif ([string]::IsNullOrEmpty($default)) { $default = 'None' }
    $type = ConvertTo-XmlText $type
    $null = $Builder.Append("$Indent<command:parameter required=`"$($Metadata.Required.ToString().ToLowerInvariant())`" variableLength=`"true`" globbing=`"$($Metadata.Globbing.ToString().ToLowerInvariant())`" pipelineInput=`"$($Metadata.PipelineInput)`" position=`"$($Metadata.Position.ToLowerInvariant())`" aliases=`"$aliases`">`n")
    $null = $Builder.Append("$Indent  <maml:name>$($Parameter.Name)</maml:name>`n")
    Add-Description $Builder $Parameter.Description "$Indent  "
    if (-not ($InSyntax -and $isSwitch)) {
        $null = $Builder.Append("$Indent  <command:parameterValue required=`"$(if ($isSwitch) { 'false' } else { 'true' })`" variableLength=`"false`">$type</command:parameterValue>`n")
    }
    $null = $Builder.Append("$Indent  <dev:type>`n$Indent    <maml:name>$type</maml:name>`n$Indent    <maml:uri />`n$Indent  </dev:type>`n")
    $null = $Builder.Append("$Indent  <dev:defaultValue>$(ConvertTo-XmlText $default)</dev:defaultValue>`n$Indent</command:parameter>`n")
}

function Get-ParameterMetadataForSet($Parameter, [string] $SetName) {
    foreach ($m in $Parameter.Sets) {
        if ($m.ParameterSets -contains $script:AllSets -or ($SetName -and $m.ParameterSets -contains $SetName)) { return $m }
    }
    $null
}

function Add-MamlCommand([System.Text.StringBuilder] $Builder, $Command) {
    $verb, $noun = $Command.Name.Split('-', 2)
    $null = $Builder.Append('  <command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">' + "`n")
    $null = $Builder.Append("    <command:details>`n      <command:name>$($Command.Name)</command:name>`n      <command:verb>$verb</command:verb>`n      <command:noun>$noun</command:noun>`n")
    Add-Description $Builder $Command.Synopsis '      '
    $null = $Builder.Append("    </command:details>`n")
    Add-Description $Builder $Command.Description '    '

    # Syntax items are made from the parameters' metadata, as PlatyPS does; the order is the SYNTAX block's.
    $null = $Builder.Append("    <command:syntax>`n")
    foreach ($syntax in $Command.Syntax) {
        $null = $Builder.Append("      <command:syntaxItem>`n        <maml:name>$($Command.Name)</maml:name>`n")
        $members = [System.Collections.Generic.List[object]]::new()
        foreach ($p in $Command.Parameters) {
            $m = Get-ParameterMetadataForSet $p $syntax.Name
            if ($null -eq $m -and $Command.Syntax.Count -eq 1) { $m = $p.Sets[0] }
            if ($null -eq $m) { continue }
            $index = [array]::IndexOf($syntax.Order, $p.Name)
            $members.Add([pscustomobject]@{ Parameter = $p; Metadata = $m; Order = $(if ($index -ge 0) { $index } else { 10000 + $members.Count }) })
        }
        foreach ($member in ($members | Sort-Object Order)) { Add-MamlParameter $Builder $member.Parameter $member.Metadata $true '        ' }
        $null = $Builder.Append("      </command:syntaxItem>`n")
    }
    $null = $Builder.Append("    </command:syntax>`n    <command:parameters>`n")
    foreach ($p in $Command.Parameters) { Add-MamlParameter $Builder $p $p.Sets[0] $false '      ' }
    $null = $Builder.Append("    </command:parameters>`n")

    foreach ($kind in ('inputTypes', 'inputType', $Command.Inputs), ('returnValues', 'returnValue', $Command.Outputs)) {
        $null = $Builder.Append("    <command:$($kind[0])>`n")
        foreach ($entry in $kind[2]) {
            $null = $Builder.Append("      <command:$($kind[1])>`n        <dev:type>`n          <maml:name>$(ConvertTo-XmlText $entry.TypeName)</maml:name>`n        </dev:type>`n")
            Add-Description $Builder $entry.Description '        '
            $null = $Builder.Append("      </command:$($kind[1])>`n")
        }
        $null = $Builder.Append("    </command:$($kind[0])>`n")
    }

    $null = $Builder.Append("    <maml:alertSet>`n")
    Add-Description $Builder $Command.Notes '      ' 'maml:alert'
    $null = $Builder.Append("    </maml:alertSet>`n    <command:examples>`n")
    foreach ($example in $Command.Examples) {
        $code = ($example.Code | ForEach-Object Text) -join "`n`n"
        $null = $Builder.Append("      <command:example>`n        <maml:title>$(ConvertTo-XmlText (Get-ExampleTitle $example.Title))</maml:title>`n")
        $null = $Builder.Append("        <dev:code>$(ConvertTo-XmlText $code)</dev:code>`n")
        $remarks = @($example.Introduction) + @(if ($example.Introduction.Count -and $example.Remarks.Count) { '' }) + @($example.Remarks)
        Add-Description $Builder $remarks '        ' 'dev:remarks'
        $null = $Builder.Append("      </command:example>`n")
    }
    $null = $Builder.Append("    </command:examples>`n    <command:relatedLinks>`n")
    foreach ($link in $Command.Links) {
        # Get-Help wants absolute URIs here; like PlatyPS, relative ones (links between the markdown files) keep
        # their text only.
        $uri = $null
        $uriText = if ([uri]::TryCreate($link.Uri, [UriKind]::Absolute, [ref]$uri)) { ConvertTo-XmlText $link.Uri } else { '' }
        $null = $Builder.Append("      <maml:navigationLink>`n        <maml:linkText>$(ConvertTo-XmlText $link.Text)</maml:linkText>`n")
        $null = $Builder.Append($(if ($uriText) { "        <maml:uri>$uriText</maml:uri>`n" } else { "        <maml:uri />`n" })).Append("      </maml:navigationLink>`n")
    }
    $null = $Builder.Append("    </command:relatedLinks>`n  </command:command>`n")
}

function Write-MamlFile([string] $Path, [object[]] $Commands) {
    $builder = [System.Text.StringBuilder]::new(262144)
    $null = $builder.Append("<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<helpItems schema=`"maml`" xmlns=`"http://msh`">`n")
    foreach ($command in $Commands) { Add-MamlCommand $builder $command }
    $null = $builder.Append("</helpItems>`n")
    $xml = $builder.ToString()
    [System.IO.File]::WriteAllText($Path, $xml, [System.Text.UTF8Encoding]::new($false))
}

# ------------------------------------------------------------------------------------------------ about topics

function Add-WrappedLine([System.Text.StringBuilder] $Builder, [string] $Text, [string] $Indent, [string] $HangingIndent = $Indent, [int] $Width = 80) {
    $line = [System.Text.StringBuilder]::new($Indent)
    $empty = $true
    foreach ($word in $Text.Split([char[]]' ', [System.StringSplitOptions]::RemoveEmptyEntries)) {
        if (-not $empty -and $line.Length + 1 + $word.Length -gt $Width) {
            $null = $Builder.Append($line.ToString()).Append("`n")
            $null = $line.Clear().Append($HangingIndent).Append($word)
        }
        elseif ($empty) { $null = $line.Append($word) }
        else { $null = $line.Append(' ').Append($word) }
        $empty = $false
    }
    if (-not $empty) { $null = $Builder.Append($line.ToString()).Append("`n") }
}

function Add-AboutTable([System.Text.StringBuilder] $Builder, [string[]] $Rows, [string] $Indent) {
    <#
    A markdown pipe table as a definition list, which reads well in 80 columns: the first cell (with the middle
    cells in parentheses) as the term, the last cell indented below it. The header row is left out.
    #>
    $hasHeader = $Rows.Count -gt 1 -and $Rows[1] -match '^\s*\|?\s*:?-{3,}'
    for ($r = 0; $r -lt $Rows.Count; $r++) {
        if ($Rows[$r] -match '^\s*\|?\s*:?-{3,}' -or ($r -eq 0 -and $hasHeader)) { continue }
        $cells = $Rows[$r].Trim().Trim('|').Split('|')
        for ($c = 0; $c -lt $cells.Count; $c++) { $cells[$c] = ConvertFrom-MarkdownInline $cells[$c].Trim() }
        $term = $cells[0]
        if ($cells.Count -gt 2) { $term += ' (' + ($cells[1..($cells.Count - 2)] -join '; ') + ')' }
        Add-WrappedLine $Builder $term $Indent ($Indent + '  ')
        if ($cells.Count -gt 1) { Add-WrappedLine $Builder $cells[$cells.Count - 1] ($Indent * 2) }
    }
}

function Add-AboutText([System.Text.StringBuilder] $Builder, [string] $Text, [string] $Indent) {
    foreach ($block in $script:ParagraphBreakRegex.Split($Text.Trim())) {
        if ($block.Length -eq 0) { continue }
        $lines = $block.Split("`n")
        $i = 0
        while ($i -lt $lines.Count) {
            $line = $lines[$i]
            if ($line.TrimStart().StartsWith('|')) {
                $rows = [System.Collections.Generic.List[string]]::new()
                while ($i -lt $lines.Count -and $lines[$i].TrimStart().StartsWith('|')) { $rows.Add($lines[$i]); $i++ }
                Add-AboutTable $Builder $rows.ToArray() $Indent
                continue
            }
            $item = $script:ListItemRegex.Match($line)
            $text = if ($item.Success) { $item.Groups[2].Value } else { $line.Trim() }
            $i++
            while ($i -lt $lines.Count -and -not $script:ListItemRegex.IsMatch($lines[$i]) -and -not $lines[$i].TrimStart().StartsWith('|')) { $text += ' ' + $lines[$i].Trim(); $i++ }
            if ($item.Success) {
                $marker = $(if ($item.Groups[1].Value -match '^\d') { $item.Groups[1].Value } else { '-' }) + ' '
                Add-WrappedLine $Builder (ConvertFrom-MarkdownInline $text) ($Indent + $marker) ($Indent + (' ' * $marker.Length))
            }
            else { Add-WrappedLine $Builder (ConvertFrom-MarkdownInline $text) $Indent }
        }
        $null = $Builder.Append("`n")
    }
}

function ConvertTo-AboutText {
    <#
    An about topic in markdown (# about_Name, ## SHORT DESCRIPTION, ## LONG DESCRIPTION, ### sub-sections)
    as the plain text Get-Help shows: TOPIC and section names at the margin, sub-sections indented, text indented
    by four and wrapped at 80 columns, code indented by eight.
    #>
    param([string] $Path)
    $doc = Read-MarkdownDocument $Path
    $builder = [System.Text.StringBuilder]::new(32768)
    $indent = '    '
    if ($doc.Headings.Count -eq 0 -or $doc.Headings[0].Level -ne 1 -or $doc.Headings[0].Title -notlike 'about_*') {
        throw "${Path}: an about topic starts with '# about_<Name>'."
    }
    foreach ($h in $doc.Headings) {
        if ($h.Level -eq 1) { $null = $builder.Append("TOPIC`n$indent$($h.Title.Trim())`n`n") }
        elseif ($h.Level -eq 2) { $null = $builder.Append($h.Title.Trim().ToUpperInvariant()).Append("`n") }
        else { $null = $builder.Append('  ' * ($h.Level - 2)).Append($h.Title.Trim().ToUpperInvariant()).Append("`n") }
        foreach ($piece in (Split-CodePlaceholder $doc $h.Body)) {
            if ($piece.Kind -eq 'Text') { Add-AboutText $builder $piece.Text $indent; continue }
            foreach ($codeLine in $piece.Code.Text.Split("`n")) { $null = $builder.Append(($indent * 2 + $codeLine).TrimEnd()).Append("`n") }
            $null = $builder.Append("`n")
        }
    }
    [pscustomobject]@{ Name = $doc.Headings[0].Title.Trim(); Text = $builder.ToString().TrimEnd().Replace("`n", [Environment]::NewLine) + [Environment]::NewLine }
}

# ------------------------------------------------------------------------------------------------ entry point

function Build-EvsHelp {
    <#
    .SYNOPSIS
    Builds MAML help (the pages' "external help file", e.g. EvsSnapshot.dll-Help.xml) and about_*.help.txt
    from PlatyPS markdown, without PlatyPS.
    .PARAMETER DocsPath
    The folder with <Cmdlet>.md pages and about_*.help.md topics (docs/en-US).
    .PARAMETER OutputPath
    The module's culture folder (out/EvsSnapshot/en-US); created when missing.
    .PARAMETER PassThru
    Return the files written.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $OutputPath,
        [switch] $PassThru
    )
    $ErrorActionPreference = 'Stop'
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if (-not [System.IO.Directory]::Exists($DocsPath)) { throw "The help folder '$DocsPath' does not exist." }
    $null = [System.IO.Directory]::CreateDirectory($OutputPath)

    $helpFiles = [ordered]@{}
    $written = [System.Collections.Generic.List[string]]::new()
    $aboutCount = 0
    foreach ($file in ([System.IO.Directory]::GetFiles($DocsPath, '*.md') | Sort-Object)) {
        $fileName = [System.IO.Path]::GetFileName($file)
        if ($fileName -like 'about_*.help.md') {
            $about = ConvertTo-AboutText -Path $file
            $target = [System.IO.Path]::Combine($OutputPath, $fileName.Substring(0, $fileName.Length - 3) + '.txt')
            [System.IO.File]::WriteAllText($target, $about.Text, [System.Text.UTF8Encoding]::new($false))
            $written.Add($target)
            $aboutCount++
            continue
        }
        $command = Read-CommandMarkdown -Path $file
        if ($command.Name -ne [System.IO.Path]::GetFileNameWithoutExtension($file)) { throw "${file}: the page documents '$($command.Name)'; name the file $($command.Name).md." }
        $helpFile = $command.Metadata['external help file']
        if (-not $helpFile) { throw "${file}: the front matter has no 'external help file'." }
        if (-not $helpFiles.Contains($helpFile)) { $helpFiles[$helpFile] = [System.Collections.Generic.List[object]]::new() }
        $helpFiles[$helpFile].Add($command)
    }
    $commandCount = 0
    foreach ($helpFile in $helpFiles.Keys) {
        $target = [System.IO.Path]::Combine($OutputPath, $helpFile)
        Write-MamlFile -Path $target -Commands $helpFiles[$helpFile].ToArray()
        $written.Add($target)
        $commandCount += $helpFiles[$helpFile].Count
    }
    Write-Host ('Help for {0} cmdlets and {1} about topic(s) written to {2} in {3:n0} ms' -f $commandCount, $aboutCount, $OutputPath, $watch.Elapsed.TotalMilliseconds)
    if ($PassThru) { foreach ($w in $written) { Get-Item -LiteralPath $w } }
}

Export-ModuleMember -Function Build-EvsHelp
