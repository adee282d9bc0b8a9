# Builds the module's console help from docs/en-US without PlatyPS: the cmdlet pages (PlatyPS markdown schema
# 2.0.0) become one MAML file per "external help file" (the XML PlatyPS's New-ExternalHelp writes), and the
# about_*.help.md topics become about_*.help.txt. Plain PowerShell and .NET only.
#
# It runs in every build, so it is written for speed: documents are cut up with a few whole-text regular
# expressions instead of line by line, the XML is written from string templates, and the helpers called many
# times are static methods (a PowerShell function call costs a hundred times more).

Set-StrictMode -Version 3.0

$script:BuilderPath = $PSCommandPath

class EvsHelpText {
    static [string] $AllSets = '(All)'
    static [string[]] $Sections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
    static [regex] $FrontMatter = [regex]::new('\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\z)', 'Singleline')
    static [regex] $KeyValue = [regex]::new('(?m)^[ \t]*([^:\n]+?)[ \t]*:[ \t]*(.*?)[ \t]*$')
    static [regex] $Fence = [regex]::new('(?ms)^[ \t]*(`{3,})[ \t]*([\w-]*)[ \t]*\n(.*?)\n?^[ \t]*\1[ \t]*$')
    static [regex] $StrayFence = [regex]::new('(?m)^[ \t]*```')
    static [regex] $Heading = [regex]::new('(?m)^(#{1,6})[ \t]+(.+?)[ \t#]*$')
    static [regex] $Placeholder = [regex]::new("`u{1}(\d+)`u{1}")
    static [regex] $ParagraphBreak = [regex]::new('\n[ \t]*\n\s*')
    static [regex] $SoftBreak = [regex]::new('[ \t]*\n[ \t]*')
    static [regex] $ListOrTable = [regex]::new('(?m)^[ \t]*(([-*+]|\d+\.)[ \t]|\|)')
    static [regex] $ListItem = [regex]::new('^[ \t]*([-*+]|\d+\.)[ \t]+(.*)$')
    static [regex] $TableRule = [regex]::new('^\s*\|?\s*:?-{3,}')
    static [regex] $Escape = [regex]::new('\\([\\<>\[\]`()*_])')
    static [regex] $Link = [regex]::new('\[([^\]]+)\]\(([^)]*)\)')
    static [regex] $SyntaxParameter = [regex]::new('(?<=[\s\[])-(\w+)')

    # ---------------------------------------------------------------------------------------- markdown

    # PlatyPS keeps inline markdown as typed, except the escapes its own renderer adds (\< \> \[ \] \` \\).
    static [string] Inline([string] $text) { return [EvsHelpText]::Escape.Replace($text, '$1') }

    # A heading's body as pieces in order: strings (text) and code block objects.
    static [object[]] Pieces([string] $body, [System.Collections.Generic.List[object]] $code) {
        $pieces = [System.Collections.Generic.List[object]]::new()
        $position = 0
        foreach ($m in [EvsHelpText]::Placeholder.Matches($body)) {
            if ($m.Index -gt $position) { $pieces.Add($body.Substring($position, $m.Index - $position)) }
            $pieces.Add($code[[int]$m.Groups[1].Value])
            $position = $m.Index + $m.Length
        }
        if ($position -lt $body.Length) { $pieces.Add($body.Substring($position)) }
        return $pieces.ToArray()
    }

    # Markdown text -> MAML paragraphs: one per markdown paragraph (soft-wrapped lines joined; Get-Help puts a
    # blank line between paragraphs and wraps them to the window), one per list item and table row, and one
    # per code block inside prose, its lines kept and indented.
    static [string[]] Paragraphs([string] $text, [System.Collections.Generic.List[object]] $code) {
        $paragraphs = [System.Collections.Generic.List[string]]::new()
        foreach ($piece in [EvsHelpText]::Pieces($text, $code)) {
            if ($piece -isnot [string]) {
                $paragraphs.Add('    ' + $piece.Text.Replace("`n", "`n    "))
                continue
            }
            foreach ($block in [EvsHelpText]::ParagraphBreak.Split($piece.Trim())) {
                if ($block.Length -eq 0) { continue }
                if (-not [EvsHelpText]::ListOrTable.IsMatch($block)) {
                    $paragraphs.Add([EvsHelpText]::Inline([EvsHelpText]::SoftBreak.Replace($block, ' ').Trim()))
                    continue
                }
                $current = $null
                foreach ($line in $block.Split("`n")) {
                    $trimmed = $line.Trim()
                    if ([EvsHelpText]::ListItem.IsMatch($line) -or $trimmed.StartsWith('|')) {
                        if ($null -ne $current) { $paragraphs.Add([EvsHelpText]::Inline($current)) }
                        $current = $trimmed
                    }
                    elseif ($null -eq $current) { $current = $trimmed }
                    else { $current = $current + ' ' + $trimmed }
                }
                if ($null -ne $current) { $paragraphs.Add([EvsHelpText]::Inline($current)) }
            }
        }
        return $paragraphs.ToArray()
    }

    # ---------------------------------------------------------------------------------------- MAML

    static [string] Xml([string] $text) { return $text.Replace('&', '&amp;').Replace('<', '&lt;').Replace('>', '&gt;') }

    static [void] Description([System.Text.StringBuilder] $sb, [string[]] $paragraphs, [string] $indent, [string] $tag) {
        if ($paragraphs.Count -eq 0) { $sb.Append($indent).Append('<').Append($tag).Append(" />`n"); return }
        $sb.Append($indent).Append('<').Append($tag).Append(">`n")
        foreach ($para in $paragraphs) {
            if ($para.Length -eq 0) { $sb.Append($indent).Append("  <maml:para />`n") }
            else { $sb.Append($indent).Append('  <maml:para>').Append([EvsHelpText]::Xml($para)).Append("</maml:para>`n") }
        }
        $sb.Append($indent).Append('</').Append($tag).Append(">`n")
    }

    static [void] Parameter([System.Text.StringBuilder] $sb, [object] $parameter, [object] $metadata, [bool] $inSyntax, [string] $indent) {
        $type = [string]$metadata.Type
        $isSwitch = $type -eq 'System.Management.Automation.SwitchParameter' -or $type -eq 'SwitchParameter' -or $type -eq 'switch'
        if ($isSwitch) { $type = 'System.Management.Automation.SwitchParameter' }
        $aliases = if ($metadata.Aliases.Count) { $metadata.Aliases -join ', ' } else { 'none' }
        $default = [string]$metadata.DefaultValue
        if ($isSwitch -and ($default.Length -eq 0 -or $default -eq 'None')) { $default = 'False' }
        elseif ($default.Length -eq 0) { $default = 'None' }
        $type = [EvsHelpText]::Xml($type)
        $sb.Append("$indent<command:parameter required=`"$(([string]$metadata.Required).ToLowerInvariant())`" variableLength=`"true`" globbing=`"$(([string]$metadata.Globbing).ToLowerInvariant())`" pipelineInput=`"$($metadata.PipelineInput)`" position=`"$(([string]$metadata.Position).ToLowerInvariant())`" aliases=`"$aliases`">`n")
        $sb.Append("$indent  <maml:name>$($parameter.Name)</maml:name>`n")
        [EvsHelpText]::Description($sb, $parameter.Description, "$indent  ", 'maml:description')
        if (-not ($inSyntax -and $isSwitch)) {
            $sb.Append("$indent  <command:parameterValue required=`"$(if ($isSwitch) { 'false' } else { 'true' })`" variableLength=`"false`">$type</command:parameterValue>`n")
        }
        $sb.Append("$indent  <dev:type>`n$indent    <maml:name>$type</maml:name>`n$indent    <maml:uri />`n$indent  </dev:type>`n")
        $sb.Append("$indent  <dev:defaultValue>$([EvsHelpText]::Xml($default))</dev:defaultValue>`n$indent</command:parameter>`n")
    }

    static [object] MetadataForSet([object] $parameter, [string] $setName) {
        foreach ($m in $parameter.Sets) {
            if ($m.ParameterSets -contains [EvsHelpText]::AllSets -or ($setName -and $m.ParameterSets -contains $setName)) { return $m }
        }
        return $null
    }

    # New-ExternalHelp pads example titles with dashes to 64 characters for readability.
    static [string] ExampleTitle([string] $title) {
        if ([string]::IsNullOrWhiteSpace($title) -or $title.Length -ge 62) { return $title }
        $pad = [int][math]::Floor((64 - $title.Length - 2) / 2)
        return ('-' * $pad) + ' ' + $title + ' ' + ('-' * $pad)
    }

    static [void] Command([System.Text.StringBuilder] $sb, [object] $command) {
        $parts = $command.Name.Split('-', 2)
        $sb.Append('  <command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">' + "`n")
        $sb.Append("    <command:details>`n      <command:name>$($command.Name)</command:name>`n      <command:verb>$($parts[0])</command:verb>`n      <command:noun>$($parts[1])</command:noun>`n")
        [EvsHelpText]::Description($sb, $command.Synopsis, '      ', 'maml:description')
        $sb.Append("    </command:details>`n")
        [EvsHelpText]::Description($sb, $command.Description, '    ', 'maml:description')

        # Syntax items are made from the parameters' metadata, as PlatyPS does, in the order of the SYNTAX block.
        $sb.Append("    <command:syntax>`n")
        foreach ($syntax in $command.Syntax) {
            $sb.Append("      <command:syntaxItem>`n        <maml:name>$($command.Name)</maml:name>`n")
            # In the order of the SYNTAX block; parameters it does not mention (there should be none) come last.
            $slots = [object[]]::new($syntax.Order.Count)
            $extra = [System.Collections.Generic.List[object]]::new()
            foreach ($p in $command.Parameters) {
                $m = [EvsHelpText]::MetadataForSet($p, $syntax.Name)
                if ($null -eq $m -and $command.Syntax.Count -eq 1) { $m = $p.Sets[0] }
                if ($null -eq $m) { continue }
                $index = [array]::IndexOf([string[]]$syntax.Order, [string]$p.Name)
                if ($index -ge 0) { $slots[$index] = @($p, $m) } else { $extra.Add(@($p, $m)) }
            }
            foreach ($member in $slots) { if ($null -ne $member) { [EvsHelpText]::Parameter($sb, $member[0], $member[1], $true, '        ') } }
            foreach ($member in $extra) { [EvsHelpText]::Parameter($sb, $member[0], $member[1], $true, '        ') }
            $sb.Append("      </command:syntaxItem>`n")
        }
        $sb.Append("    </command:syntax>`n    <command:parameters>`n")
        foreach ($p in $command.Parameters) { [EvsHelpText]::Parameter($sb, $p, $p.Sets[0], $false, '      ') }
        $sb.Append("    </command:parameters>`n")

        foreach ($kind in @(@('inputTypes', 'inputType', $command.Inputs), @('returnValues', 'returnValue', $command.Outputs))) {
            $sb.Append("    <command:$($kind[0])>`n")
            foreach ($entry in $kind[2]) {
                $sb.Append("      <command:$($kind[1])>`n        <dev:type>`n          <maml:name>$([EvsHelpText]::Xml($entry.TypeName))</maml:name>`n        </dev:type>`n")
                [EvsHelpText]::Description($sb, $entry.Description, '        ', 'maml:description')
                $sb.Append("      </command:$($kind[1])>`n")
            }
            $sb.Append("    </command:$($kind[0])>`n")
        }

        $sb.Append("    <maml:alertSet>`n")
        [EvsHelpText]::Description($sb, $command.Notes, '      ', 'maml:alert')
        $sb.Append("    </maml:alertSet>`n    <command:examples>`n")
        foreach ($example in $command.Examples) {
            $code = [System.Collections.Generic.List[string]]::new()
            foreach ($block in $example.Code) { $code.Add($block.Text) }
            $sb.Append("      <command:example>`n        <maml:title>$([EvsHelpText]::Xml([EvsHelpText]::ExampleTitle($example.Title)))</maml:title>`n")
            $sb.Append("        <dev:code>$([EvsHelpText]::Xml($code -join "`n`n"))</dev:code>`n")
            $remarks = [System.Collections.Generic.List[string]]::new()
            $remarks.AddRange([string[]]$example.Introduction)
            $remarks.AddRange([string[]]$example.Remarks)
            # As in PlatyPS's output, remarks end with an empty paragraph: a blank line before the next example.
            if ($remarks.Count) { $remarks.Add('') }
            [EvsHelpText]::Description($sb, $remarks.ToArray(), '        ', 'dev:remarks')
            $sb.Append("      </command:example>`n")
        }
        $sb.Append("    </command:examples>`n    <command:relatedLinks>`n")
        foreach ($link in $command.Links) {
            # Get-Help wants absolute URIs here; like PlatyPS, relative links (between the markdown files) keep
            # their text only.
            $uri = $null
            $sb.Append("      <maml:navigationLink>`n        <maml:linkText>$([EvsHelpText]::Xml($link.Text))</maml:linkText>`n")
            if ([uri]::TryCreate([string]$link.Uri, [UriKind]::Absolute, [ref]$uri)) { $sb.Append("        <maml:uri>$([EvsHelpText]::Xml($link.Uri))</maml:uri>`n") }
            else { $sb.Append("        <maml:uri />`n") }
            $sb.Append("      </maml:navigationLink>`n")
        }
        $sb.Append("    </command:relatedLinks>`n  </command:command>`n")
    }

    # ---------------------------------------------------------------------------------------- about topics

    static [void] Wrap([System.Text.StringBuilder] $sb, [string] $text, [string] $indent, [string] $hanging) {
        $line = [System.Text.StringBuilder]::new($indent)
        $empty = $true
        foreach ($word in $text.Split([char[]]' ', [System.StringSplitOptions]::RemoveEmptyEntries)) {
            if (-not $empty -and $line.Length + 1 + $word.Length -gt 80) {
                $sb.Append($line.ToString()).Append("`n")
                $line.Clear().Append($hanging).Append($word)
            }
            elseif ($empty) { $line.Append($word) }
            else { $line.Append(' ').Append($word) }
            $empty = $false
        }
        if (-not $empty) { $sb.Append($line.ToString()).Append("`n") }
    }

    # A pipe table as a definition list, which reads well in 80 columns: the first cell (and the middle cells
    # in parentheses) as the term, the last cell indented below it. The header row is left out.
    static [void] Table([System.Text.StringBuilder] $sb, [string[]] $rows, [string] $indent) {
        $hasHeader = $rows.Count -gt 1 -and [EvsHelpText]::TableRule.IsMatch($rows[1])
        for ($r = 0; $r -lt $rows.Count; $r++) {
            if ([EvsHelpText]::TableRule.IsMatch($rows[$r]) -or ($r -eq 0 -and $hasHeader)) { continue }
            $cells = $rows[$r].Trim().Trim('|').Split('|')
            for ($c = 0; $c -lt $cells.Count; $c++) { $cells[$c] = [EvsHelpText]::Inline($cells[$c].Trim()) }
            $term = $cells[0]
            if ($cells.Count -gt 2) { $term += ' (' + ($cells[1..($cells.Count - 2)] -join '; ') + ')' }
            [EvsHelpText]::Wrap($sb, $term, $indent, $indent + '  ')
            if ($cells.Count -gt 1) { [EvsHelpText]::Wrap($sb, $cells[$cells.Count - 1], $indent * 2, $indent * 2) }
        }
    }

    static [void] AboutText([System.Text.StringBuilder] $sb, [string] $text, [string] $indent) {
        foreach ($block in [EvsHelpText]::ParagraphBreak.Split($text.Trim())) {
            if ($block.Length -eq 0) { continue }
            $lines = $block.Split("`n")
            $i = 0
            while ($i -lt $lines.Count) {
                if ($lines[$i].TrimStart().StartsWith('|')) {
                    $rows = [System.Collections.Generic.List[string]]::new()
                    while ($i -lt $lines.Count -and $lines[$i].TrimStart().StartsWith('|')) { $rows.Add($lines[$i]); $i++ }
                    [EvsHelpText]::Table($sb, $rows.ToArray(), $indent)
                    continue
                }
                $item = [EvsHelpText]::ListItem.Match($lines[$i])
                $content = if ($item.Success) { $item.Groups[2].Value } else { $lines[$i].Trim() }
                $i++
                while ($i -lt $lines.Count -and -not [EvsHelpText]::ListItem.IsMatch($lines[$i]) -and -not $lines[$i].TrimStart().StartsWith('|')) {
                    $content = $content + ' ' + $lines[$i].Trim()
                    $i++
                }
                if ($item.Success) {
                    $marker = $(if ($item.Groups[1].Value -match '^\d') { $item.Groups[1].Value } else { '-' }) + ' '
                    [EvsHelpText]::Wrap($sb, [EvsHelpText]::Inline($content), $indent + $marker, $indent + (' ' * $marker.Length))
                }
                else { [EvsHelpText]::Wrap($sb, [EvsHelpText]::Inline($content), $indent, $indent) }
            }
            $sb.Append("`n")
        }
    }
}

# ------------------------------------------------------------------------------------------------ documents

function Read-MarkdownDocument {
    <#
    One markdown file as: front matter, fenced code blocks (replaced in the text by placeholders, so '#' lines
    inside code are never headings), and a flat list of headings with the text that follows each.
    #>
    param([string] $Path)
    $text = [System.IO.File]::ReadAllText($Path).Replace("`r`n", "`n").Replace("`r", "`n")
    $metadata = [ordered]@{}
    $front = [EvsHelpText]::FrontMatter.Match($text)
    $offset = 0
    if ($front.Success) {
        foreach ($kv in [EvsHelpText]::KeyValue.Matches($front.Groups[1].Value)) { $metadata[$kv.Groups[1].Value] = $kv.Groups[2].Value }
        $offset = $front.Length
    }

    $code = [System.Collections.Generic.List[object]]::new()
    $body = [System.Text.StringBuilder]::new($text.Length)
    $position = $offset
    foreach ($fence in [EvsHelpText]::Fence.Matches($text, $offset)) {
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
    $stray = [EvsHelpText]::StrayFence.Match($rest)
    if ($stray.Success) { throw "${Path}:$(Get-LineNumber $doc $stray.Index): a code block is opened here and never closed." }

    $headings = [System.Collections.Generic.List[object]]::new()
    $found = [EvsHelpText]::Heading.Matches($rest)
    $doc.Lead = if ($found.Count) { $rest.Substring(0, $found[0].Index) } else { $rest }
    for ($i = 0; $i -lt $found.Count; $i++) {
        $m = $found[$i]
        $start = $m.Index + $m.Length
        $end = if ($i + 1 -lt $found.Count) { $found[$i + 1].Index } else { $rest.Length }
        $headings.Add([pscustomobject]@{ Level = $m.Groups[1].Length; Title = $m.Groups[2].Value.Trim(); Body = $rest.Substring($start, $end - $start); Index = $m.Index })
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

function Read-CommandMarkdown {
    <# Parses one cmdlet page (PlatyPS schema 2.0.0) into a plain object. Throws on a schema violation. #>
    param([string] $Path)
    $doc = Read-MarkdownDocument $Path
    $code = $doc.Code
    if ($doc.Metadata['schema'] -ne '2.0.0') { throw "${Path}: the front matter must say 'schema: 2.0.0'." }
    if ($doc.Lead.Trim().Length) { throw "${Path}: text before the '# <Command name>' heading." }
    $fail = { param($heading, $message) throw "${Path}:$(Get-LineNumber $doc $heading.Index): $message" }

    $name = $null
    $sections = @{}
    $current = $null
    foreach ($h in $doc.Headings) {
        if ($h.Level -eq 1) {
            if ($name) { & $fail $h 'a second "#" heading; one command per file.' }
            $name = $h.Title
            if ($h.Body.Trim().Length) { & $fail $h 'text between the command name and the first section.' }
            continue
        }
        if ($h.Level -eq 2) {
            $title = $h.Title.ToUpperInvariant()
            if ([EvsHelpText]::Sections -notcontains $title) { & $fail $h "unknown section '## $title' (PlatyPS schema 2.0.0)." }
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
    foreach ($required in [EvsHelpText]::Sections) { if (-not $sections.ContainsKey($required)) { throw "${Path}: the '## $required' section is missing." } }
    foreach ($section in 'SYNOPSIS', 'DESCRIPTION', 'NOTES') {
        if ($sections[$section].Children.Count) { & $fail $sections[$section].Children[0] "no '###' headings in '## $section'." }
    }

    $command = [pscustomobject]@{
        Path        = $Path
        Metadata    = $doc.Metadata
        Name        = $name
        Synopsis    = [EvsHelpText]::Paragraphs($sections['SYNOPSIS'].Heading.Body, $code)
        Description = [EvsHelpText]::Paragraphs($sections['DESCRIPTION'].Heading.Body, $code)
        Notes       = [EvsHelpText]::Paragraphs($sections['NOTES'].Heading.Body, $code)
        Syntax      = [System.Collections.Generic.List[object]]::new()
        Examples    = [System.Collections.Generic.List[object]]::new()
        Parameters  = [System.Collections.Generic.List[object]]::new()
        Inputs      = [System.Collections.Generic.List[object]]::new()
        Outputs     = [System.Collections.Generic.List[object]]::new()
        Links       = [System.Collections.Generic.List[object]]::new()
    }
    if ($command.Synopsis.Count -eq 0) { throw "${Path}: the synopsis is empty." }

    # SYNTAX: one code block per parameter set; a '### Name (Default)' heading for each when there are several.
    $syntaxBlocks = [System.Collections.Generic.List[object]]::new()
    $syntaxBlocks.Add(@($null, $sections['SYNTAX'].Heading))
    foreach ($h in $sections['SYNTAX'].Children) { $syntaxBlocks.Add(@($h.Title, $h)) }
    foreach ($block in $syntaxBlocks) {
        foreach ($piece in [EvsHelpText]::Pieces($block[1].Body, $code)) {
            if ($piece -is [string]) {
                if ($piece.Trim().Length) { & $fail $block[1] 'only code blocks belong in SYNTAX.' }
                continue
            }
            $setName = $null; $isDefault = $false
            if ($block[0] -and $block[0] -match '^(.+?)(\s+\(Default\))?$') { $setName = $Matches[1]; $isDefault = [bool]$Matches[2] }
            $order = [System.Collections.Generic.List[string]]::new()
            foreach ($m in [EvsHelpText]::SyntaxParameter.Matches($piece.Text)) { $order.Add($m.Groups[1].Value) }
            $command.Syntax.Add([pscustomobject]@{ Name = $setName; IsDefault = $isDefault; Order = $order.ToArray(); Text = $piece.Text })
        }
    }
    if ($command.Syntax.Count -eq 0) { throw "${Path}: '## SYNTAX' has no code block." }
    if ($command.Syntax.Count -gt 1) {
        foreach ($s in $command.Syntax) { if (-not $s.Name) { throw "${Path}: with several syntax blocks, each needs a '### <Parameter set name>' heading." } }
    }

    # EXAMPLES: '### title', then code blocks (the command, optional sample output), then remarks.
    if ($sections['EXAMPLES'].Heading.Body.Trim().Length) { & $fail $sections['EXAMPLES'].Heading 'text before the first example heading.' }
    foreach ($h in $sections['EXAMPLES'].Children) {
        $blocks = [System.Collections.Generic.List[object]]::new()
        $introduction = ''
        $remarks = ''
        foreach ($piece in [EvsHelpText]::Pieces($h.Body, $code)) {
            if ($piece -isnot [string]) { $blocks.Add($piece) }
            elseif ($blocks.Count -eq 0) { $introduction += $piece }
            else { $remarks += $piece }
        }
        if ($blocks.Count -eq 0) { & $fail $h "example '$($h.Title)' has no code block." }
        $command.Examples.Add([pscustomobject]@{
                Title        = $h.Title
                Code         = $blocks.ToArray()
                Introduction = [EvsHelpText]::Paragraphs($introduction, $code)
                Remarks      = [EvsHelpText]::Paragraphs($remarks, $code)
            })
    }

    # PARAMETERS: '### -Name', description, one yaml block per distinct parameter-set behaviour.
    foreach ($h in $sections['PARAMETERS'].Children) {
        if ($h.Title -match '^<?(Workflow)?CommonParameters>?$') { continue }
        if ($h.Title -notmatch '^-(\w+)$') { & $fail $h "a parameter heading must be '### -Name' or '### CommonParameters'." }
        $parameter = [pscustomobject]@{ Name = $Matches[1]; Description = $null; Sets = [System.Collections.Generic.List[object]]::new() }
        $description = [System.Text.StringBuilder]::new()
        foreach ($piece in [EvsHelpText]::Pieces($h.Body, $code)) {
            if ($piece -is [string]) {
                if ($parameter.Sets.Count -eq 0) { $null = $description.Append($piece) }
                continue
            }
            if ($piece.Language -ne 'yaml') {
                if ($parameter.Sets.Count -eq 0) { $null = $description.Append("`u{1}").Append($code.IndexOf($piece)).Append("`u{1}") }
                continue
            }
            $yaml = @{}
            foreach ($kv in [EvsHelpText]::KeyValue.Matches($piece.Text)) { $yaml[$kv.Groups[1].Value] = $kv.Groups[2].Value }
            foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position', 'Accept pipeline input', 'Accept wildcard characters') {
                if (-not $yaml.ContainsKey($key)) { & $fail $h "the yaml block of -$($parameter.Name) has no '$key'." }
            }
            $parameter.Sets.Add([pscustomobject]@{
                    Type          = $yaml['Type']
                    ParameterSets = [string[]]($yaml['Parameter Sets'].Split(',', [System.StringSplitOptions]::RemoveEmptyEntries).Trim())
                    Aliases       = [string[]]$(if ($yaml['Aliases']) { , $yaml['Aliases'].Split(',', [System.StringSplitOptions]::RemoveEmptyEntries).Trim() } else { , [string[]]@() })
                    Required      = $yaml['Required'] -eq 'True'
                    Position      = $yaml['Position']
                    DefaultValue  = $yaml['Default value']
                    PipelineInput = $yaml['Accept pipeline input']
                    Globbing      = $yaml['Accept wildcard characters'] -eq 'True'
                })
        }
        if ($parameter.Sets.Count -eq 0) { & $fail $h "-$($parameter.Name) has no yaml metadata block." }
        $parameter.Description = [EvsHelpText]::Paragraphs($description.ToString(), $code)
        $command.Parameters.Add($parameter)
    }

    foreach ($h in $sections['INPUTS'].Children) { $command.Inputs.Add([pscustomobject]@{ TypeName = $h.Title; Description = [EvsHelpText]::Paragraphs($h.Body, $code) }) }
    foreach ($h in $sections['OUTPUTS'].Children) { $command.Outputs.Add([pscustomobject]@{ TypeName = $h.Title; Description = [EvsHelpText]::Paragraphs($h.Body, $code) }) }

    if ($doc.Metadata['online version']) { $command.Links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $doc.Metadata['online version'] }) }
    foreach ($m in [EvsHelpText]::Link.Matches($sections['RELATED LINKS'].Heading.Body)) {
        $command.Links.Add([pscustomobject]@{ Text = $m.Groups[1].Value; Uri = $m.Groups[2].Value })
    }
    $command
}

function ConvertTo-AboutText {
    <#
    An about topic in markdown (# about_Name, ## SHORT DESCRIPTION, ## LONG DESCRIPTION, ### sub-sections)
    as the plain text Get-Help shows: TOPIC and section names at the margin, sub-sections indented, text indented
    by four and wrapped at 80 columns, code indented by eight.
    #>
    param([string] $Path)
    $doc = Read-MarkdownDocument $Path
    if ($doc.Headings.Count -eq 0 -or $doc.Headings[0].Level -ne 1 -or $doc.Headings[0].Title -notlike 'about_*') {
        throw "${Path}: an about topic starts with '# about_<Name>'."
    }
    $sb = [System.Text.StringBuilder]::new(32768)
    $indent = '    '
    foreach ($h in $doc.Headings) {
        if ($h.Level -eq 1) { $null = $sb.Append("TOPIC`n$indent$($h.Title)`n`n") }
        elseif ($h.Level -eq 2) { $null = $sb.Append($h.Title.ToUpperInvariant()).Append("`n") }
        else { $null = $sb.Append('  ' * ($h.Level - 2)).Append($h.Title.ToUpperInvariant()).Append("`n") }
        foreach ($piece in [EvsHelpText]::Pieces($h.Body, $doc.Code)) {
            if ($piece -is [string]) { [EvsHelpText]::AboutText($sb, $piece, $indent); continue }
            foreach ($codeLine in $piece.Text.Split("`n")) { $null = $sb.Append(($indent * 2 + $codeLine).TrimEnd()).Append("`n") }
            $null = $sb.Append("`n")
        }
    }
    $sb.ToString().TrimEnd().Replace("`n", [Environment]::NewLine) + [Environment]::NewLine
}

# ------------------------------------------------------------------------------------------------ entry point

function Get-HelpCacheKey([System.Collections.Generic.List[string]] $Files) {
    # The output depends on the pages, this builder and the platform's line ending; nothing else.
    $hash = [System.Security.Cryptography.IncrementalHash]::CreateHash([System.Security.Cryptography.HashAlgorithmName]::SHA256)
    $hash.AppendData([System.Text.Encoding]::UTF8.GetBytes("evs-help-1|$([Environment]::NewLine)|"))
    $hash.AppendData([System.IO.File]::ReadAllBytes($script:BuilderPath))
    foreach ($file in $Files) {
        $hash.AppendData([System.Text.Encoding]::UTF8.GetBytes('|' + [System.IO.Path]::GetFileName($file) + '|'))
        $hash.AppendData([System.IO.File]::ReadAllBytes($file))
    }
    [System.BitConverter]::ToString($hash.GetHashAndReset()).Replace('-', '').Substring(0, 32).ToLowerInvariant()
}

function Build-EvsHelp {
    <#
    .SYNOPSIS
    Builds MAML help (the pages' "external help file", e.g. EvsSnapshot.dll-Help.xml) and about_*.help.txt
    from PlatyPS markdown, without PlatyPS.
    .DESCRIPTION
    The result is cached by content: when neither the pages nor this builder changed since an earlier build, the
    files are copied from the cache (a folder per SHA-256 of the inputs under $env:EVS_HELP_CACHE, or the temp
    folder's EvsSnapshot-help) instead of being generated again. -NoCache always generates them.
    .PARAMETER DocsPath
    The folder with <Cmdlet>.md pages and about_*.help.md topics (docs/en-US).
    .PARAMETER OutputPath
    The module's culture folder (out/EvsSnapshot/en-US); created when missing.
    .PARAMETER Exclude
    File names in DocsPath to leave out (another module's about topic).
    .PARAMETER NoCache
    Generate the files even when the cache has them, and do not store them.
    .PARAMETER PassThru
    Return the files written.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $OutputPath,
        [string[]] $Exclude = @(),
        [switch] $NoCache,
        [switch] $PassThru
    )
    $ErrorActionPreference = 'Stop'
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $DocsPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($DocsPath)
    $OutputPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
    if (-not [System.IO.Directory]::Exists($DocsPath)) { throw "The help folder '$DocsPath' does not exist." }
    $null = [System.IO.Directory]::CreateDirectory($OutputPath)
    $files = [System.Collections.Generic.List[string]]::new([string[]] @([System.IO.Directory]::GetFiles($DocsPath, '*.md') | Where-Object { [System.IO.Path]::GetFileName($_) -notin $Exclude }))
    $files.Sort([System.StringComparer]::Ordinal)
    $written = [System.Collections.Generic.List[string]]::new()

    $cacheRoot = if ($env:EVS_HELP_CACHE) { $env:EVS_HELP_CACHE } else { [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'EvsSnapshot-help') }
    $cacheEntry = $null
    if (-not $NoCache) {
        $cacheEntry = [System.IO.Path]::Combine($cacheRoot, (Get-HelpCacheKey $files))
        if ([System.IO.File]::Exists([System.IO.Path]::Combine($cacheEntry, '.complete'))) {
            foreach ($cached in [System.IO.Directory]::GetFiles($cacheEntry)) {
                if ([System.IO.Path]::GetFileName($cached) -eq '.complete') { continue }
                $target = [System.IO.Path]::Combine($OutputPath, [System.IO.Path]::GetFileName($cached))
                [System.IO.File]::Copy($cached, $target, $true)
                $written.Add($target)
            }
            [System.IO.Directory]::SetLastWriteTimeUtc($cacheEntry, [DateTime]::UtcNow)
            Write-Host ('Help unchanged since an earlier build: copied to {0} from {1} in {2:n0} ms' -f $OutputPath, $cacheEntry, $watch.Elapsed.TotalMilliseconds)
            if ($PassThru) { foreach ($w in $written) { Get-Item -LiteralPath $w } }
            return
        }
    }

    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $helpFiles = [ordered]@{}
    $aboutCount = 0
    foreach ($file in $files) {
        $fileName = [System.IO.Path]::GetFileName($file)
        if ($fileName -like 'about_*.help.md') {
            $target = [System.IO.Path]::Combine($OutputPath, $fileName.Substring(0, $fileName.Length - 3) + '.txt')
            [System.IO.File]::WriteAllText($target, (ConvertTo-AboutText -Path $file), $utf8)
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
        $sb = [System.Text.StringBuilder]::new(262144)
        $null = $sb.Append("<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<helpItems schema=`"maml`" xmlns=`"http://msh`">`n")
        foreach ($command in $helpFiles[$helpFile]) { [EvsHelpText]::Command($sb, $command); $commandCount++ }
        $null = $sb.Append("</helpItems>`n")
        $target = [System.IO.Path]::Combine($OutputPath, $helpFile)
        [System.IO.File]::WriteAllText($target, $sb.ToString().Replace("`n", [Environment]::NewLine), $utf8)
        $written.Add($target)
    }
    $elapsed = $watch.Elapsed.TotalMilliseconds

    if ($cacheEntry) {
        # Best effort: a cache that cannot be written (read-only temp, a parallel build) never fails the build.
        try {
            $staging = "$cacheEntry.$([guid]::NewGuid().ToString('N')).tmp"
            $null = [System.IO.Directory]::CreateDirectory($staging)
            foreach ($w in $written) { [System.IO.File]::Copy($w, [System.IO.Path]::Combine($staging, [System.IO.Path]::GetFileName($w))) }
            [System.IO.File]::WriteAllText([System.IO.Path]::Combine($staging, '.complete'), '')
            if (-not [System.IO.Directory]::Exists($cacheEntry)) { [System.IO.Directory]::Move($staging, $cacheEntry) }
            else { [System.IO.Directory]::Delete($staging, $true) }
            # Keep the ten most recently used entries.
            $entries = @([System.IO.DirectoryInfo]::new($cacheRoot).GetDirectories() | Where-Object Name -Match '^[0-9a-f]{32}$')
            if ($entries.Count -gt 10) {
                $entries | Sort-Object LastWriteTimeUtc | Select-Object -First ($entries.Count - 10) | ForEach-Object { $_.Delete($true) }
            }
        }
        catch {
            Write-Verbose "The help cache in $cacheRoot was not updated: $_"
        }
    }
    Write-Host ('Help for {0} cmdlets and {1} about topic(s) written to {2} in {3:n0} ms' -f $commandCount, $aboutCount, $OutputPath, $elapsed)
    if ($PassThru) { foreach ($w in $written) { Get-Item -LiteralPath $w } }
}

Export-ModuleMember -Function Build-EvsHelp
