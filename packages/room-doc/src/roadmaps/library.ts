import type { RoadmapInput } from './schema.ts';

/*
 * The curated roadmaps. Each goal is something a mentee can finish in a few weeks with their
 * mentor's help; milestones are concrete enough to tick. Ids are stable (programs store them).
 */
export const ROADMAP_LIBRARY: RoadmapInput[] = [
  {
    id: 'first-open-source-contribution',
    title: 'First open-source contribution',
    summary: 'Find a welcoming project, make a small change and see it merged.',
    audience: 'Developers new to open source',
    goals: [
      {
        title: 'Pick a project',
        description: 'A project you use, with a contributing guide and recent activity.',
        milestones: ['List three projects you use', 'Read each one’s CONTRIBUTING guide', 'Choose one with issues labelled for newcomers'],
      },
      {
        title: 'Set up the project locally',
        milestones: ['Clone and build it', 'Run its test suite', 'Ask one question in its chat or forum'],
      },
      {
        title: 'Land a first pull request',
        description: 'Documentation and small fixes count.',
        milestones: ['Claim an issue', 'Open a draft pull request', 'Address review comments', 'Get it merged'],
      },
    ],
  },
  {
    id: 'become-a-tech-lead',
    title: 'Become a tech lead',
    summary: 'Grow from strong individual contributor to someone who sets direction for a team.',
    audience: 'Senior engineers',
    goals: [
      {
        title: 'Own a technical decision',
        milestones: ['Write a design document', 'Run a review with the team', 'Record the decision and its trade-offs'],
      },
      {
        title: 'Grow the people around you',
        milestones: ['Pair with a junior engineer every week for a month', 'Give written feedback on three pull requests a week', 'Delegate a task you would rather do yourself'],
      },
      {
        title: 'Work with the product side',
        milestones: ['Join planning for a quarter', 'Estimate a project and compare with the outcome', 'Explain a technical risk to a non-engineer'],
      },
      {
        title: 'Lead an incident or a launch',
        owner: 'mentee',
        milestones: ['Shadow an incident commander', 'Lead a launch checklist', 'Write the retrospective'],
      },
    ],
  },
  {
    id: 'public-speaking',
    title: 'Public speaking',
    summary: 'From a five-minute lightning talk to a conference talk, with practice in between.',
    audience: 'Anyone who wants to speak with confidence',
    goals: [
      {
        title: 'Give a lightning talk',
        milestones: ['Pick a topic you know well', 'Write a five-minute outline', 'Rehearse it twice in front of your mentor', 'Give it at a team meeting'],
      },
      {
        title: 'Handle questions',
        milestones: ['List the ten questions you fear most', 'Practise answering them out loud', 'Take questions live after a talk'],
      },
      {
        title: 'Speak at a meetup',
        milestones: ['Submit a proposal', 'Record a full rehearsal and watch it', 'Give the talk', 'Collect feedback'],
      },
    ],
  },
  {
    id: 'first-job-in-tech',
    title: 'First job in tech',
    summary: 'A portfolio, a network and interview practice, aimed at one role.',
    audience: 'Career changers and graduates',
    goals: [
      {
        title: 'Choose a target role',
        milestones: ['Read ten job ads for roles you like', 'List the skills they share', 'Pick one role to aim for'],
      },
      {
        title: 'Build a portfolio project',
        milestones: ['Scope a project that shows those skills', 'Ship a first version', 'Write a README a recruiter can follow'],
      },
      {
        title: 'Prepare for interviews',
        milestones: ['Do two mock interviews with your mentor', 'Prepare stories for common behavioural questions', 'Apply to five roles'],
      },
    ],
  },
  {
    id: 'engineering-manager-transition',
    title: 'Move into engineering management',
    summary: 'Try the manager’s work before the title: one-on-ones, hiring and team health.',
    audience: 'Tech leads considering management',
    goals: [
      {
        title: 'Run one-on-ones',
        milestones: ['Agree a one-on-one template with your mentor', 'Hold weekly one-on-ones for a month', 'Reflect on what people raised'],
      },
      {
        title: 'Take part in hiring',
        milestones: ['Shadow two interviews', 'Write an interview scorecard', 'Lead an interview loop debrief'],
      },
      {
        title: 'Look after the team’s health',
        milestones: ['Run a team retrospective', 'Track one team health signal for six weeks', 'Decide whether management is for you'],
      },
    ],
  },
  {
    id: 'writing-for-engineers',
    title: 'Clear technical writing',
    summary: 'Design docs, READMEs and updates that people read and act on.',
    audience: 'Engineers at any level',
    goals: [
      {
        title: 'Write a README others can follow',
        milestones: ['Have a newcomer follow it while you watch', 'Fix every place they got stuck', 'Add a two-command quick start'],
      },
      {
        title: 'Write a design document',
        milestones: ['State the problem in one paragraph', 'Compare at least two options', 'Get comments from three people'],
      },
      {
        title: 'Send a weekly update',
        milestones: ['Agree the audience and the format', 'Send four weekly updates', 'Ask readers what they skip'],
      },
    ],
  },
];
